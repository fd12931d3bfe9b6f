/**
 * Per-client rate limits of the sign-in routes besides the ACS (its own test is in
 * test/saml/http/configurations.test.ts): the OIDC callback, the SSO login starts and custom
 * sign-in. Within a minute, the request after the limit from one address is answered 429
 * `rate_limited` before anything is read, stored or asked of a provider; the database is
 * compared table by table around it. Other addresses keep their own budgets; the callback and
 * custom sign-in count each configuration (connection) apart, the login starts share one budget
 * per address across every configuration and both protocols (docs/decisions.md).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapFromEnvironment } from '../../src/sso/oidc-bootstrap.ts';
import { authorizeAtProvider } from '../interop/oidc/browser.ts';
import { createWorld, type World } from '../interop/oidc/world.ts';
import { CookieJar } from '../interop/saml/browser.ts';
import { snapshot, snapshotDiff } from '../properties/database-snapshot.ts';
import { createTestIdp } from '../saml/http/idp-fixture.ts';
import { unique } from '../support/actors.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

const LIMIT = 3;
const json = { accept: 'application/json' };

interface Answer {
  statusCode: number;
  headers: Record<string, unknown>;
  cookies: { name: string; value: string }[];
  body: string;
  json(): { error: { code: string } };
}

function expectRateLimited(res: Answer, sessionCookieName: string) {
  expect(res.statusCode, res.body).toBe(429);
  expect(res.json().error.code).toBe('rate_limited');
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  expect(res.cookies.find((c) => c.name === sessionCookieName && c.value !== '')).toBeUndefined();
}

describe('OIDC callback: OIDC_CALLBACK_RATE_LIMIT_PER_MINUTE per configuration and client address', () => {
  let world: World;
  let outbound = 0;
  beforeAll(async () => {
    world = await createWorld({
      env: { OIDC_CALLBACK_RATE_LIMIT_PER_MINUTE: String(LIMIT) },
      intercept: (url, init, network) => {
        outbound++;
        return network(url, init);
      },
    });
  });
  afterAll(() => world?.close());

  const callback = (url: string, remoteAddress: string, headers: Record<string, string> = json) => {
    const u = new URL(url);
    return world.t.app.inject({ method: 'GET', url: `${u.pathname}${u.search}`, remoteAddress, headers });
  };

  it('refuses the callback after the limit with 429 before reading it: no session, no token request, no trace, the pending login left for its browser', async () => {
    const { authorizationUrl, bindingCookie } = await world.startLogin();
    const state = authorizationUrl.searchParams.get('state')!;
    const back = await authorizeAtProvider(
      authorizationUrl.href,
      'alice',
      world.callbackPrefix,
      new CookieJar(),
    );
    for (let i = 0; i < LIMIT; i++) {
      const refused = await callback(`${world.callbackPrefix}?code=guess-${i}`, '203.0.113.10');
      expect(refused.statusCode, refused.body).toBe(400);
      expect(refused.json().error.code).toBe('oidc_state_missing');
    }
    const before = await snapshot(world.t.db);
    const outboundBefore = outbound;

    const limited = await callback(back, '203.0.113.10', { ...json, cookie: bindingCookie });
    expectRateLimited(limited, world.t.config.SESSION_COOKIE_NAME);
    expect(snapshotDiff(before, await snapshot(world.t.db))).toEqual([]);
    expect(outbound).toBe(outboundBefore);
    expect(await world.t.store.pendingLogins.get(state, 'oidc')).toBeDefined();

    // The same answer from another address (the person's own) still signs them in.
    const signedIn = await callback(back, '203.0.113.11', { ...json, cookie: bindingCookie });
    expect(signedIn.statusCode, signedIn.body).toBe(303);
    expect(signedIn.cookies.find((c) => c.name === world.t.config.SESSION_COOKIE_NAME)?.value).toBeTruthy();
    expect(outbound).toBeGreaterThan(outboundBefore);
  });

  it('counts each configuration apart: a limited address still reaches another configuration', async () => {
    const address = '203.0.113.20';
    for (let i = 0; i < LIMIT; i++) {
      expect((await callback(`${world.callbackPrefix}?code=x`, address)).statusCode).toBe(400);
    }
    expectRateLimited(
      await callback(`${world.callbackPrefix}?code=x`, address),
      world.t.config.SESSION_COOKIE_NAME,
    );
    const other = await callback(
      'http://drawbridge.test/api/v1/auth/oidc/other-configuration/callback/',
      address,
    );
    expect(other.statusCode, other.body).toBe(404);
    expect(other.json().error.code).toBe('oidc_configuration_not_found');
  });

  it('shows a browser the sign-in failure page with the code rate_limited', async () => {
    const address = '203.0.113.30';
    for (let i = 0; i < LIMIT; i++) await callback(`${world.callbackPrefix}?code=x`, address, {});
    const page = await callback(`${world.callbackPrefix}?code=x`, address, { accept: 'text/html' });
    expect(page.statusCode).toBe(429);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('<code>rate_limited</code>');
  });
});

describe('SSO login starts: SSO_LOGIN_START_RATE_LIMIT_PER_MINUTE per client address across configurations', () => {
  let world: World;
  let samlName: string;
  beforeAll(async () => {
    world = await createWorld({ env: { SSO_LOGIN_START_RATE_LIMIT_PER_MINUTE: String(LIMIT) } });
    samlName = unique('acme-saml');
    const idp = await createTestIdp();
    const created = await world.t.app.inject({
      method: 'POST',
      url: `/api/v1/organisations/${world.orgId}/saml-configurations`,
      headers: world.t.admin,
      payload: { name: samlName, idpMetadataXml: idp.metadataXml },
    });
    expect(created.statusCode, created.body).toBe(201);
  });
  afterAll(() => world?.close());

  const start = (path: string, remoteAddress: string) =>
    world.t.app.inject({ method: 'GET', url: path, remoteAddress, headers: json });
  const oidcStart = (name: string) => `/api/v1/auth/oidc/${name}/login/?next=/app`;
  const samlStart = (name: string) => `/api/v1/auth/saml/${name}/login/?next=/app`;

  it('refuses the login start after the limit with 429, whichever protocol or configuration it names, and stores no pending login', async () => {
    const address = '198.51.100.7';
    expect((await start(oidcStart(world.name), address)).statusCode).toBe(302);
    expect((await start(samlStart(samlName), address)).statusCode).toBe(302);
    // A name that does not exist spends the budget too: naming more configurations buys nothing.
    expect((await start(oidcStart('no-such-configuration'), address)).statusCode).toBe(404);

    const before = await snapshot(world.t.db);
    for (const path of [oidcStart(world.name), samlStart(samlName), oidcStart('another-name')]) {
      const limited = await start(path, address);
      expectRateLimited(limited, world.t.config.SESSION_COOKIE_NAME);
      expect(limited.headers.location).toBeUndefined();
      expect(limited.cookies).toEqual([]);
    }
    expect(snapshotDiff(before, await snapshot(world.t.db))).toEqual([]);
  });

  it('lets another address start logins while one address is limited', async () => {
    const limited = '198.51.100.8';
    for (let i = 0; i < LIMIT; i++) await start(oidcStart(world.name), limited);
    expectRateLimited(await start(samlStart(samlName), limited), world.t.config.SESSION_COOKIE_NAME);

    const res = await start(samlStart(samlName), '198.51.100.9');
    expect(res.statusCode, res.body).toBe(302);
    expect(res.headers.location).toMatch(/^https:\/\/idp\.acme\.test\/sso\?SAMLRequest=/);
  });

  it('counts an IPv6 client by its /64, and another /64 apart', async () => {
    for (const address of ['2001:db8:0:7::1', '2001:db8:0:7::2', '2001:db8:0:7:abcd:1234:5678:9abc']) {
      expect((await start(oidcStart(world.name), address)).statusCode).toBe(302);
    }
    expectRateLimited(
      await start(oidcStart(world.name), '2001:db8:0:7::ffff'),
      world.t.config.SESSION_COOKIE_NAME,
    );
    expect((await start(oidcStart(world.name), '2001:db8:0:8::1')).statusCode).toBe(302);
  });
});

describe('custom sign-in: CUSTOM_SIGN_IN_RATE_LIMIT_PER_MINUTE per connection and client address', () => {
  const TRUSTED = '/api/v1/auth/trusted-header/login/';
  const CUSTOM = '/api/v1/auth/custom/login/';
  const PROXY = '10.9.0.1';
  let t: TestApp;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'drawbridge-limits-'));
    const handler = join(dir, 'from-header.mjs');
    // Signs in whoever the x-test-user header names; declines (a refusal with a trace) without it.
    writeFileSync(
      handler,
      'export default (r) => { const u = r.headers["x-test-user"]; return typeof u === "string" ? { subject: u, email: u + "@corp.test", emailVerified: true } : null; };\n',
    );
    t = await startTestApp('sqlite', {
      CUSTOM_SIGN_IN_RATE_LIMIT_PER_MINUTE: String(LIMIT),
      TRUSTED_HEADER_ENABLED: 'true',
      TRUSTED_PROXY_CIDRS: '10.9.0.0/16',
      TRUSTED_HEADER_ORGANISATION: unique('proxy-org'),
      CUSTOM_SIGN_IN_HANDLER: handler,
      CUSTOM_SIGN_IN_ORGANISATION: unique('handler-org'),
    });
    await bootstrapFromEnvironment({
      config: t.config,
      store: t.store,
      box: t.box,
      log: pino({ level: 'silent' }),
    });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const signIn = (path: string, remoteAddress: string, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'GET',
      url: `${path}?next=/app`,
      remoteAddress,
      headers: { ...json, ...headers },
    });

  it('refuses the trusted-header sign-in after the limit with 429 before the peer is checked or a trace written', async () => {
    const stranger = '192.0.2.50';
    for (let i = 0; i < LIMIT; i++) {
      const refused = await signIn(TRUSTED, stranger, { 'x-forwarded-email': 'eve@corp.test' });
      expect(refused.json().error.code).toBe('trusted_header_untrusted_source');
    }
    const before = await snapshot(t.db);
    expectRateLimited(
      await signIn(TRUSTED, stranger, { 'x-forwarded-email': 'eve@corp.test' }),
      t.config.SESSION_COOKIE_NAME,
    );
    expect(snapshotDiff(before, await snapshot(t.db))).toEqual([]);

    // The proxy is another address: people behind it still sign in.
    const res = await signIn(TRUSTED, PROXY, { 'x-forwarded-email': `${unique('ada')}@corp.test` });
    expect(res.statusCode, res.body).toBe(303);
  });

  it('refuses the custom-handler sign-in after the limit with 429 before the handler runs, and counts each connection apart', async () => {
    const address = '192.0.2.60';
    for (let i = 0; i < LIMIT; i++) {
      expect((await signIn(CUSTOM, address)).json().error.code).toBe('custom_sign_in_declined');
    }
    const before = await snapshot(t.db);
    expectRateLimited(
      await signIn(CUSTOM, address, { 'x-test-user': unique('grace') }),
      t.config.SESSION_COOKIE_NAME,
    );
    expect(snapshotDiff(before, await snapshot(t.db))).toEqual([]);

    expect((await signIn(CUSTOM, '192.0.2.61', { 'x-test-user': unique('grace') })).statusCode).toBe(303);
    // The trusted-header connection keeps its own budget for the same address.
    const other = await signIn(TRUSTED, address, { 'x-forwarded-email': 'eve@corp.test' });
    expect(other.json().error.code).toBe('trusted_header_untrusted_source');
  });
});

describe('SAML ACS: SAML_ACS_RATE_LIMIT_PER_MINUTE answers like every other ACS refusal', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite', { SAML_ACS_RATE_LIMIT_PER_MINUTE: '1' });
  });
  afterAll(() => t?.close());

  it('shows a browser the sign-in failure page with the code rate_limited, and a JSON client the error', async () => {
    const post = (accept: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/saml/flooded/response/',
        remoteAddress: '203.0.113.40',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept },
        payload: 'SAMLResponse=bm90LXhtbA',
      });
    expect((await post('text/html')).statusCode).not.toBe(429);
    const page = await post('text/html,application/xhtml+xml');
    expect(page.statusCode).toBe(429);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('<code>rate_limited</code>');
    expectRateLimited(await post('application/json'), t.config.SESSION_COOKIE_NAME);
  });
});
