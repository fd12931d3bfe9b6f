/**
 * attacks.md §3 (bearer JWTs on API calls) does not apply as written: Drawbridge's API takes
 * `Authorization: Api-Key <key>` or the session cookie, never a bearer token (src/http/principal.ts,
 * docs/api.md "Who may call what"). These tests send §3's attacks at what is there instead: a
 * bearer JWT must be refused outright (not parsed, not ignored in favour of the cookie), and the
 * key and cookie parsers get §3's format, injection, size, placement and flood cases. Each
 * refusal is 401 `unauthorized` and writes nothing.
 */
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshot, snapshotDiff } from '../properties/database-snapshot.ts';
import { createOrganisation, createPerson, type Person, unique } from '../support/actors.ts';
import { ADMIN_KEY, startTestApp, type TestApp } from '../support/app.ts';

let t: TestApp;
let orgId: string;
let issuedKey: string;
let orgAdmin: Person;

beforeAll(async () => {
  t = await startTestApp('sqlite');
  orgId = (await createOrganisation(t)).id;
  orgAdmin = await createPerson(t, orgId, 'admin');
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/api-keys',
    headers: t.admin,
    payload: { name: 'issued' },
  });
  issuedKey = res.json().key;
});
afterAll(() => t.close());

function expectUnauthorized(res: { statusCode: number; body: string; json(): unknown }, label: string) {
  expect(res.statusCode, `${label}: ${res.body}`).toBe(401);
  expect((res.json() as { error: { code: string } }).error.code, label).toBe('unauthorized');
}

/** Every request shape a caller could use to reach data: a read, a person read, an admin write. */
function probes(headers: Record<string, string>) {
  return [
    { method: 'GET' as const, url: '/api/v1/auth/me', headers },
    { method: 'GET' as const, url: `/api/v1/organisations/${orgId}`, headers },
    {
      method: 'POST' as const,
      url: '/api/v1/organisations',
      headers,
      payload: { name: 'Evil', slug: unique('evil') },
    },
  ];
}

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('bearer JWTs are not a credential here (attacks.md §3: N/A, refused outright)', () => {
  it('RFC 6750 §2.1: a JWT in Authorization: Bearer — alg none, an embedded attacker jwk, HS256 with a guessable key — is 401 unauthorized on every route and writes nothing — J-ALG-1, J-ALG-2, J-ALG-3, J-HDR-3', async () => {
    const claims = { sub: orgAdmin.id, iss: 'http://drawbridge.test', aud: 'drawbridge', role: 'admin' };
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const tokens = [
      `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`,
      `${b64url({ alg: 'nOnE', typ: 'JWT' })}.${b64url(claims)}.`,
      await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', jwk: await exportJWK(publicKey) })
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey),
      await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', kid: '../../../../dev/null' })
        .sign(new TextEncoder().encode(ADMIN_KEY)),
    ];
    const before = await snapshot(t.db);
    for (const token of tokens) {
      for (const scheme of ['Bearer', 'bearer']) {
        for (const probe of probes({ authorization: `${scheme} ${token}` })) {
          const res = await t.app.inject(probe);
          expectUnauthorized(res, `${scheme} ${probe.method} ${probe.url}`);
          expect(res.body).not.toContain(token.split('.')[1]!);
        }
      }
    }
    expect(snapshotDiff(before, await snapshot(t.db))).toEqual([]);
  });

  it('RFC 6750 §2.1 + J-FMT-4: a bearer token beside a valid admin session cookie is still 401 — the header is not ignored in favour of the cookie, and the write it skipped the Origin check for is not done', async () => {
    const before = await snapshot(t.db);
    for (const probe of probes({
      authorization: `Bearer ${b64url({ alg: 'none' })}.${b64url({ sub: 'x' })}.`,
      cookie: orgAdmin.cookie,
      origin: 'https://evil.test',
    })) {
      expectUnauthorized(await t.app.inject(probe), `${probe.method} ${probe.url}`);
    }
    const groupWrite = await t.app.inject({
      method: 'POST',
      url: `/api/v1/organisations/${orgId}/groups`,
      headers: { authorization: 'Api-Key not-a-key', cookie: orgAdmin.cookie, origin: 'https://evil.test' },
      payload: { name: 'Evil', externalId: 'evil' },
    });
    expectUnauthorized(groupWrite, 'bad key + admin cookie, cross-site');
    expect(snapshotDiff(before, await snapshot(t.db))).toEqual([]);
  });

  it('J-FMT-4: an organisation viewer key beside an organisation admin session cookie has the key’s rights only (403 forbidden on a write), never the union', async () => {
    const viewerKey = (
      await t.app.inject({
        method: 'POST',
        url: `/api/v1/organisations/${orgId}/api-keys`,
        headers: t.admin,
        payload: { name: 'viewer', role: 'admin_viewer' },
      })
    ).json().key as string;
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/organisations/${orgId}/groups`,
      headers: { authorization: `Api-Key ${viewerKey}`, cookie: orgAdmin.cookie },
      payload: { name: 'Mixed', externalId: 'mixed' },
    });
    expect(res.statusCode, res.body).toBe(403);
    expect(res.json().error.code).toBe('forbidden');
    expect(await t.store.groups.listByExternalIds(orgId, ['mixed'])).toEqual([]);
  });
});

describe('the Api-Key header parser (attacks.md §3 format cases, applied to API keys)', () => {
  it('RFC 9110 §11.1: the Api-Key scheme name is case-insensitive and extra spaces are allowed, for the configured and an issued key (positive control) — J-FMT-2', async () => {
    for (const key of [ADMIN_KEY, issuedKey]) {
      for (const authorization of [
        `Api-Key ${key}`,
        `api-key ${key}`,
        `API-KEY   ${key}`,
        `Api-Key ${key}  `,
      ]) {
        const res = await t.app.inject({
          method: 'GET',
          url: '/api/v1/api-keys',
          headers: { authorization },
        });
        expect(res.statusCode, authorization).toBe(200);
      }
    }
  });

  it('RFC 9110 §11.6.2: a valid key under another scheme, with extra tokens, glued to the scheme, or changed by one character is 401 unauthorized — J-FMT-2', async () => {
    const changed = issuedKey.slice(0, -1) + (issuedKey.endsWith('A') ? 'B' : 'A');
    const before = await snapshot(t.db);
    for (const authorization of [
      `Bearer ${issuedKey}`,
      `Basic ${Buffer.from(`admin:${issuedKey}`).toString('base64')}`,
      `Token ${ADMIN_KEY}`,
      'Api-Key',
      'Api-Key ',
      `Api-Key${issuedKey}`,
      `Api-Key ${issuedKey} ${issuedKey}`,
      `Api-Key ${issuedKey},${issuedKey}`,
      `Api-Key "${issuedKey}"`,
      `Api-Key ${changed}`,
      `Api-Key ${ADMIN_KEY}x`,
      `Api-Key ${ADMIN_KEY.slice(0, -1)}`,
    ]) {
      for (const probe of probes({ authorization }))
        expectUnauthorized(await t.app.inject(probe), authorization);
    }
    expect(snapshotDiff(before, await snapshot(t.db))).toEqual([]);
  });

  it('RFC 9110 §11.6.1: every 401 carries a WWW-Authenticate challenge naming the Api-Key scheme (no key, a bad key, no session, wrong password)', async () => {
    const answers = [
      await t.app.inject({ method: 'GET', url: '/api/v1/organisations' }),
      await t.app.inject({
        method: 'GET',
        url: '/api/v1/organisations',
        headers: { authorization: 'Api-Key nope' },
      }),
      await t.app.inject({ method: 'GET', url: '/api/v1/auth/me' }),
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: { accept: 'application/json' },
        payload: { email: 'nobody@example.test', password: 'not the password' },
      }),
    ];
    for (const res of answers) {
      expect(res.statusCode, res.body).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Api-Key realm="Drawbridge"');
    }
    const ok = await t.app.inject({ method: 'GET', url: '/api/v1/organisations', headers: t.admin });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['www-authenticate']).toBeUndefined();
  });

  it('OWASP injection: SQL, command and path-traversal text in the key id is 401 unauthorized, never a 500, and writes nothing — J-KID-1, J-KID-2 (applied to the key id)', async () => {
    const secret = issuedKey.split('.')[1]!;
    const before = await snapshot(t.db);
    for (const id of [
      "dbk_' OR '1'='1",
      "dbk_x' UNION SELECT secret_hash FROM api_keys --",
      'dbk_$(id)',
      'dbk_`curl attacker.test`',
      'dbk_../../../../etc/passwd',
      'dbk_%00',
      'dbk_0000000000000000|curl',
    ]) {
      const authorization = `Api-Key ${id}.${secret}`;
      for (const probe of probes({ authorization }))
        expectUnauthorized(await t.app.inject(probe), authorization);
    }
    expect(snapshotDiff(before, await snapshot(t.db))).toEqual([]);
  });

  it('J-FMT-3 (RFC 6750 §2.3, RFC 9700 §2.4): a key in the query string is ignored — 401 unauthorized', async () => {
    for (const param of ['api_key', 'apiKey', 'access_token', 'key', 'authorization']) {
      for (const key of [ADMIN_KEY, issuedKey]) {
        const url = `/api/v1/organisations/${orgId}?${param}=${encodeURIComponent(key)}`;
        expectUnauthorized(await t.app.inject({ method: 'GET', url }), url);
      }
    }
  });

  it('J-KID-4 / J-FMT-1: a 100 KiB key is 401 unauthorized (no crash, no write); a 64 KiB Authorization header is refused by the HTTP server itself (431)', async () => {
    const before = await snapshot(t.db);
    const huge = `Api-Key dbk_${'a'.repeat(100 * 1024)}`;
    for (const probe of probes({ authorization: huge }))
      expectUnauthorized(await t.app.inject(probe), 'huge key');
    expect(snapshotDiff(before, await snapshot(t.db))).toEqual([]);

    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as AddressInfo;
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          path: '/api/v1/auth/me',
          headers: { authorization: `Api-Key ${'k'.repeat(64 * 1024)}` },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(431);
  });

  it('W-RATE-3: 200 invalid keys in a row each get a cheap 401 unauthorized, write nothing, and lock nobody out (the issued key still works)', async () => {
    const before = await snapshot(t.db);
    for (let i = 0; i < 200; i++) {
      const forged = `dbk_${i.toString(16).padStart(16, '0')}.${'A'.repeat(43)}`;
      expectUnauthorized(
        await t.app.inject({
          method: 'GET',
          url: '/api/v1/api-keys',
          headers: { authorization: `Api-Key ${forged}` },
        }),
        forged,
      );
    }
    expect(snapshotDiff(before, await snapshot(t.db))).toEqual([]);
    const ok = await t.app.inject({
      method: 'GET',
      url: '/api/v1/api-keys',
      headers: { authorization: `Api-Key ${issuedKey}` },
    });
    expect(ok.statusCode).toBe(200);
  });
});

describe('the session cookie parser (attacks.md §3 format cases, applied to the cookie)', () => {
  it('OWASP Session Management: session cookie values the server never issued — short, long, SQL, another cookie’s name, a copy of an API key — are 401 unauthorized and write nothing — W-SES-2', async () => {
    const name = t.config.SESSION_COOKIE_NAME;
    const before = await snapshot(t.db);
    for (const value of [
      '',
      'x',
      'A'.repeat(42),
      'A'.repeat(44),
      'A'.repeat(8 * 1024),
      "' OR '1'='1' -- padding-padding-padding-pad",
      encodeURIComponent(issuedKey),
      encodeURIComponent(`${orgAdmin.cookie.split('=')[1]!} `),
    ]) {
      const res = await t.app.inject({
        method: 'GET',
        url: '/api/v1/auth/me',
        headers: { cookie: `${name}=${value}` },
      });
      expectUnauthorized(res, `cookie ${value.slice(0, 20)}`);
    }
    expect(snapshotDiff(before, await snapshot(t.db))).toEqual([]);
  });
});
