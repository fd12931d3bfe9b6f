/**
 * The OIDC relying-party cases of ../shared/security/attacks.md §2 about the exchange after the
 * callback (token endpoint answers, client authentication, userinfo, discovery) that no other
 * test sent, played against the real provider (oidc-provider on loopback) with one misbehaviour
 * injected between it and Drawbridge, or against a scripted provider where an address matters:
 * every refusal has its code, a 4xx, no session and no user; every "must accept" case signs in.
 * ID token and authorization response cases: attack-coverage.test.ts.
 */
import { importJWK, SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeSigningKey } from '../interop/oidc/provider.ts';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  createWorld,
  tamperIdToken,
  type World,
  type WorldOptions,
} from '../interop/oidc/world.ts';
import { createOrganisation } from '../support/actors.ts';
import { startTestApp } from '../support/app.ts';
import { accepted, refused } from './login-verdicts.ts';

let world: World | undefined;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  vi.useRealTimers();
  await world?.close();
  world = undefined;
  for (const close of closers.splice(0)) await close();
});

/** A world whose token endpoint answer is replaced by `rewrite(json)`. */
async function tokenAnswer(
  rewrite: (body: Record<string, unknown>) => Response,
  options: WorldOptions = {},
): Promise<World> {
  world = await createWorld({
    ...options,
    intercept: async (url, init, network) => {
      const res = await network(url, init);
      if (!url.endsWith('/token')) return res;
      return rewrite((await res.json()) as Record<string, unknown>);
    },
  });
  return world;
}

function bodyOf(init: RequestInit): URLSearchParams {
  return new URLSearchParams(init.body as URLSearchParams | string);
}

describe('token endpoint answers (RFC 6749 §5.1-5.2, OIDC Core §3.1.3.3)', () => {
  it('OIDC Core §3.1.3.3: a token answer without id_token in an openid flow is refused (oidc_id_token_missing) — O-ERR-4', async () => {
    const w = await tokenAnswer(({ id_token: _drop, ...rest }) => Response.json(rest));
    await refused(w, await w.login('alice'), 'oidc_id_token_missing');
  });

  it('RFC 6749 §5.2: an HTTP 200 token answer holding {"error":"invalid_grant"} is refused cleanly (oidc_token_response_invalid) — O-ERR-2', async () => {
    const w = await tokenAnswer(() => Response.json({ error: 'invalid_grant' }));
    await refused(w, await w.login('alice'), 'oidc_token_response_invalid');
  });

  it('RFC 6749 §5.1: an HTML token answer is refused cleanly (oidc_token_response_invalid), never a 500 — O-ERR-2', async () => {
    const w = await tokenAnswer(
      () =>
        new Response('<html><body>Bad gateway</body></html>', { headers: { 'content-type': 'text/html' } }),
    );
    await refused(w, await w.login('alice'), 'oidc_token_response_invalid');
  });

  it('RFC 6749 §5.1, §7.1: token_type "bearer" in lower case, no expires_in and no scope are accepted, and the access token still reaches userinfo — O-ERR-3', async () => {
    const w = await tokenAnswer(
      ({ expires_in: _e, scope: _s, ...rest }) => Response.json({ ...rest, token_type: 'bearer' }),
      { configuration: { fetchUserinfo: true } },
    );
    await accepted(w, await w.login('alice'));
  });
});

describe('client authentication at the token endpoint (RFC 6749 §2.3.1, OIDC Core §9)', () => {
  it('RFC 6749 §2.3.1: client_secret_basic form-encodes a secret with reserved characters before Base64, and the provider accepts it — rp-token_endpoint-client_secret_basic', async () => {
    const secret = 'p@ss:w/rd+%20 &=?-0123456789abcdef';
    const seen: string[] = [];
    world = await createWorld({
      client: { client_secret: secret },
      configuration: { clientSecret: secret },
      intercept: (url, init, network) => {
        if (url.endsWith('/token')) seen.push(new Headers(init.headers).get('authorization') ?? '');
        return network(url, init);
      },
    });
    await accepted(world, await world.login('alice'));
    const [scheme, credentials] = seen[0]!.split(' ') as [string, string];
    expect(scheme).toBe('Basic');
    // Exactly one ':' (the secret's own is encoded), each side form-decoding to the registered value.
    const parts = Buffer.from(credentials, 'base64').toString('utf8').split(':');
    const formDecode = (v: string) => decodeURIComponent(v.replaceAll('+', '%20'));
    expect(parts.map(formDecode)).toEqual([CLIENT_ID, secret]);
  });

  it('OIDC Core §9: client_secret_post sends the secret in the body, not in a header, and the provider accepts it — rp-token_endpoint-client_secret_post', async () => {
    const seen: Array<{ authorization: string | null; body: URLSearchParams }> = [];
    world = await createWorld({
      client: { token_endpoint_auth_method: 'client_secret_post' },
      configuration: { clientAuth: 'client_secret_post' },
      intercept: (url, init, network) => {
        if (url.endsWith('/token'))
          seen.push({ authorization: new Headers(init.headers).get('authorization'), body: bodyOf(init) });
        return network(url, init);
      },
    });
    await accepted(world, await world.login('alice'));
    expect(seen[0]!.authorization).toBeNull();
    expect(seen[0]!.body.get('client_id')).toBe(CLIENT_ID);
    expect(seen[0]!.body.get('client_secret')).toBe(CLIENT_SECRET);
  });
});

describe('userinfo (OIDC Core §5.3)', () => {
  it('OIDC Core §5.3.1, RFC 6750 §2.1: userinfo is asked with the Authorization: Bearer header only, and claims found only there are mapped — rp-userinfo-bearer-header, rp-scope-userinfo-claims', async () => {
    const requests: Array<{ authorization: string | null; url: string }> = [];
    const tamper = tamperIdToken(
      () => world!.op.keys,
      (_h, c) => {
        for (const claim of [
          'email',
          'email_verified',
          'name',
          'given_name',
          'family_name',
          'groups',
          'role',
        ])
          delete c[claim];
        return undefined;
      },
    );
    world = await createWorld({
      configuration: { fetchUserinfo: true },
      intercept: async (url, init, network) => {
        if (!new URL(url).pathname.endsWith('/me')) return tamper(url, init, network);
        const authorization = new Headers(init.headers).get('authorization');
        requests.push({ authorization, url });
        // The OIDF module's provider: the access token is accepted in the header and nowhere else.
        if (
          !/^Bearer \S+$/.test(authorization ?? '') ||
          new URL(url).searchParams.has('access_token') ||
          init.body
        )
          return Response.json({ error: 'invalid_token' }, { status: 401 });
        return network(url, init);
      },
    });
    const w = world;
    const { authorizationUrl } = await w.startLogin();
    expect(authorizationUrl.searchParams.get('scope')!.split(' ')).toEqual(
      expect.arrayContaining(['openid', 'email', 'profile']),
    );
    const result = await w.login('alice');
    await accepted(w, result);
    expect(await w.me(result.sessionCookie!)).toMatchObject({
      firstName: 'Alice',
      lastName: 'Liddell',
      role: 'admin',
    });
    expect(requests).toHaveLength(1);
  });
});

describe('discovery (OpenID Connect Discovery 1.0 §4; attacks.md O-DISC-2)', () => {
  it('OIDC Discovery §4: when a metadata refresh fails, logins go on with the last good metadata, and a connection never discovered fails closed (oidc_discovery_failed) — O-DISC-2', async () => {
    let down = false;
    let attempts = 0;
    world = await createWorld({
      intercept: async (url, init, network) => {
        if (!url.endsWith('/.well-known/openid-configuration')) return network(url, init);
        if (!down) return network(url, init);
        attempts += 1;
        return new Response('maintenance', { status: 503, headers: { 'content-type': 'text/plain' } });
      },
    });
    const w = world;
    await accepted(w, await w.login('alice'));
    down = true;
    // Past OIDC_DISCOVERY_MAX_AGE_SECONDS (3600): the next login refreshes the metadata, which fails.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 2 * 3600 * 1000);
    await accepted(w, await w.login('alice'));
    expect(attempts).toBe(1);
    const fresh = await w.t.app.inject({
      method: 'POST',
      url: `/api/v1/organisations/${w.orgId}/oidc-configurations`,
      headers: w.t.admin,
      payload: {
        name: `${w.name}-new`,
        provider: 'generic-oidc',
        issuer: w.op.issuer,
        clientId: 'c',
        clientSecret: 's',
      },
    });
    expect(fresh.statusCode, fresh.body).toBe(201);
    const start = await w.t.app.inject({
      method: 'GET',
      url: `/api/v1/auth/oidc/${w.name}-new/login/`,
      headers: { accept: 'application/json' },
    });
    expect(start.statusCode).toBe(502);
    expect(JSON.parse(start.body).error.code).toBe('oidc_discovery_failed');
    expect(start.cookies.find((c) => c.name.startsWith('drawbridge_oidc_'))).toBeUndefined();
  });
});

describe('provider URLs from discovery (DESIGN.md: DRAWBRIDGE_ALLOW_PRIVATE_IDP_URLS; attacks.md O-DISC-1)', () => {
  /**
   * A scripted provider on a public address (8.8.8.8 resolves to itself without DNS), reached
   * through the app's transport, whose discovery names `endpoints`; private IdP URLs not allowed.
   */
  async function scripted(endpoints: (issuer: string) => { token_endpoint: string; jwks_uri: string }) {
    const issuer = 'https://8.8.8.8/tenant';
    const key = await makeSigningKey('RS256', 'k1');
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = key;
    const requested: string[] = [];
    let nonce = '';
    const t = await startTestApp(
      'sqlite',
      {},
      {
        idpTransport: async (url) => {
          requested.push(url);
          if (url === `${issuer}/.well-known/openid-configuration`)
            return Response.json({
              issuer,
              authorization_endpoint: `${issuer}/auth`,
              response_types_supported: ['code'],
              subject_types_supported: ['public'],
              id_token_signing_alg_values_supported: ['RS256'],
              ...endpoints(issuer),
            });
          if (url === `${issuer}/jwks`) return Response.json({ keys: [publicJwk] });
          if (url !== `${issuer}/token`) return new Response('not found', { status: 404 });
          const now = Math.floor(Date.now() / 1000);
          const idToken = await new SignJWT({ sub: 'alice', email: 'alice@acme.test', nonce })
            .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
            .setIssuer(issuer)
            .setAudience(CLIENT_ID)
            .setIssuedAt(now)
            .setExpirationTime(now + 300)
            .sign(await importJWK(key, 'RS256'));
          return Response.json({ access_token: 'at', token_type: 'Bearer', id_token: idToken });
        },
      },
    );
    closers.push(() => t.close());
    const org = await createOrganisation(t);
    const created = await t.app.inject({
      method: 'POST',
      url: `/api/v1/organisations/${org.id}/oidc-configurations`,
      headers: t.admin,
      payload: {
        name: 'scripted',
        provider: 'generic-oidc',
        issuer,
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    async function login() {
      const start = await t.app.inject({ method: 'GET', url: '/api/v1/auth/oidc/scripted/login/' });
      expect(start.statusCode, start.body).toBe(302);
      const auth = new URL(start.headers.location as string);
      nonce = auth.searchParams.get('nonce')!;
      const binding = start.cookies.find((c) => c.name.startsWith('drawbridge_oidc_'))!;
      const res = await t.app.inject({
        method: 'GET',
        url: `/api/v1/auth/oidc/scripted/callback/?code=c1&state=${auth.searchParams.get('state')}`,
        headers: { accept: 'application/json', cookie: `${binding.name}=${binding.value}` },
      });
      const session = res.cookies.find((c) => c.name === t.config.SESSION_COOKIE_NAME && c.value !== '');
      return {
        status: res.statusCode,
        code: JSON.parse(res.body || '{}').error?.code as string | undefined,
        session,
      };
    }
    return { login, requested };
  }

  it('control: a public provider whose endpoints are all public signs the person in', async () => {
    const op = await scripted((issuer) => ({
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/jwks`,
    }));
    const result = await op.login();
    expect(result.status).toBe(303);
    expect(result.session).toBeDefined();
  });

  // Whether our address policy or openid-client's own https rule meets the URL first, the
  // refusal is the same, and nothing is ever sent to it.
  it.each([
    ['https://169.254.169.254/latest/meta-data/token', 'oidc_provider_url_not_allowed', 400],
    ['https://127.0.0.1/token', 'oidc_provider_url_not_allowed', 400],
    ['http://8.8.4.4/token', 'oidc_provider_url_not_allowed', 400],
  ] as const)(
    'DESIGN.md IdP URL policy: a discovered token_endpoint %s is never called; the login is refused (%s, %i) with no session — O-DISC-1',
    async (target, code, status) => {
      const op = await scripted((issuer) => ({ token_endpoint: target, jwks_uri: `${issuer}/jwks` }));
      const result = await op.login();
      expect(result.code).toBe(code);
      expect(result.status).toBe(status);
      expect(result.session).toBeUndefined();
      expect(op.requested).not.toContain(target);
    },
  );

  it.each(['https://169.254.169.254/jwks', 'https://[::1]/jwks', 'http://8.8.4.4/jwks'])(
    'DESIGN.md IdP URL policy: a discovered jwks_uri %s is never fetched; the login is refused (oidc_provider_url_not_allowed, 400) with no session — O-DISC-1',
    async (target) => {
      const op = await scripted((issuer) => ({ token_endpoint: `${issuer}/token`, jwks_uri: target }));
      const result = await op.login();
      expect(result.code).toBe('oidc_provider_url_not_allowed');
      expect(result.status).toBe(400);
      expect(result.session).toBeUndefined();
      expect(op.requested).toContain('https://8.8.8.8/tenant/token');
      expect(op.requested).not.toContain(target);
    },
  );

  it('OIDC Core §10.1.1: a public jwks_uri that answers 404 is asked, and the login is refused (oidc_jwks_unavailable, 502) with no session', async () => {
    const op = await scripted((issuer) => ({
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/gone`,
    }));
    const result = await op.login();
    expect(result.code).toBe('oidc_jwks_unavailable');
    expect(result.status).toBe(502);
    expect(result.session).toBeUndefined();
    expect(op.requested).toContain('https://8.8.8.8/tenant/gone');
  });
});
