/**
 * The trusted-header connection over HTTP (issue #4, "Custom sign-in handlers" (1)): the
 * proxy's headers sign a person in only when the TCP peer is in TRUSTED_PROXY_CIDRS; the
 * login is one transaction with the session and the trace; refusals carry codes.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapFromEnvironment } from '../../src/sso/oidc-bootstrap.ts';
import { unique } from '../support/actors.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { ENGINES } from '../support/databases.ts';

const PROXY = '10.20.30.40';
const STRANGER = '192.0.2.7';
const LOGIN = '/api/v1/auth/trusted-header/login/';
const json = { accept: 'application/json' };

describe.each(ENGINES)('trusted-header sign-in (%s)', (engine) => {
  let t: TestApp;
  let orgId: string;
  const slug = unique('proxy-org');
  beforeAll(async () => {
    t = await startTestApp(engine, {
      TRUSTED_HEADER_ENABLED: 'true',
      TRUSTED_PROXY_CIDRS: '10.20.0.0/16, fd00::/8',
      TRUSTED_HEADER_NAME: 'x-forwarded-preferred-username',
      TRUSTED_HEADER_ORGANISATION: slug,
      SSO_DEFAULT_ROLE: 'internal_user',
      // Fastify may believe X-Forwarded-For; the proxy check must not.
      TRUST_PROXY: 'true',
    });
    await bootstrapFromEnvironment({
      config: t.config,
      store: t.store,
      box: t.box,
      log: pino({ level: 'silent' }),
    });
    orgId = (await t.store.organisations.getBySlug(slug))!.id;
  });
  afterAll(() => t.close());

  function login(remoteAddress: string, headers: Record<string, string>, next = '/dashboard') {
    return t.app.inject({
      method: 'GET',
      url: `${LOGIN}?next=${encodeURIComponent(next)}`,
      remoteAddress,
      headers,
    });
  }
  function sessionCookie(res: { cookies: { name: string; value: string; httpOnly?: boolean }[] }) {
    return res.cookies.find((c) => c.name === t.config.SESSION_COOKIE_NAME);
  }
  async function me(cookie: string) {
    return t.app.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: { cookie: `${t.config.SESSION_COOKIE_NAME}=${cookie}` },
    });
  }
  async function lastTrace() {
    return (await t.store.loginTraces.list(orgId, { limit: 1 })).items[0]!;
  }

  it('signs in the person the proxy names, from a proxy address, and redirects to next with a session', async () => {
    const email = `${unique('ada')}@proxy.test`;
    const res = await login(PROXY, {
      'x-forwarded-email': email,
      'x-forwarded-user': unique('ada-id'),
      'x-forwarded-preferred-username': 'Ada Lovelace King',
    });
    expect(res.statusCode, res.body).toBe(303);
    expect(res.headers.location).toBe('http://drawbridge.test/dashboard');
    const cookie = sessionCookie(res)!;
    expect(cookie.httpOnly).toBe(true);
    const body = (await me(cookie.value)).json();
    expect(body).toMatchObject({
      email,
      firstName: 'Ada',
      lastName: 'Lovelace King',
      organisation: { id: orgId, slug },
      // SSO_DEFAULT_ROLE=internal_user is LiteLLM's name for member.
      role: 'member',
    });
    const trace = await lastTrace();
    expect(trace).toMatchObject({
      outcome: 'success',
      protocol: 'custom',
      configuration: 'trusted-header',
      email,
    });
    expect(trace.detail).toMatchObject({ emailVerified: true, matchedBy: 'created', peerAddress: PROXY });
  });

  it('accepts a proxy reached over IPv6 and an IPv4 proxy seen on a dual-stack socket', async () => {
    for (const address of ['fd00::17', `::ffff:${PROXY}`]) {
      const res = await login(address, { 'x-forwarded-email': `${unique('v6')}@proxy.test` });
      expect(res.statusCode, `${address}: ${res.body}`).toBe(303);
    }
  });

  it('refuses the headers from any other address: 403 trusted_header_untrusted_source, a trace, no session, no user', async () => {
    const email = `${unique('mallory')}@proxy.test`;
    const res = await login(STRANGER, { 'x-forwarded-email': email, ...json });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('trusted_header_untrusted_source');
    expect(sessionCookie(res)).toBeUndefined();
    expect(await t.store.users.getByEmail(email)).toBeUndefined();
    const trace = await lastTrace();
    expect(res.json().error.reference).toBe(trace.id);
    expect(trace).toMatchObject({ outcome: 'failure', code: 'trusted_header_untrusted_source', email: null });
    expect(trace.detail).toMatchObject({ peerAddress: STRANGER });
    expect(JSON.stringify(trace)).not.toContain(email);
  });

  it('is not fooled by a spoofed X-Forwarded-For naming the proxy (even with TRUST_PROXY=true)', async () => {
    const res = await login(STRANGER, {
      'x-forwarded-for': PROXY,
      'x-real-ip': PROXY,
      'x-forwarded-email': `${unique('spoof')}@proxy.test`,
      ...json,
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('trusted_header_untrusted_source');
  });

  it('answers 400 trusted_header_missing when the proxy sends no email header, and writes no user', async () => {
    const res = await login(PROXY, { 'x-forwarded-user': 'someone', ...json });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('trusted_header_missing');
    expect((await lastTrace()).code).toBe('trusted_header_missing');
  });

  it('answers 400 trusted_header_invalid for two addresses in the email header', async () => {
    const res = await login(PROXY, { 'x-forwarded-email': 'a@proxy.test, b@proxy.test', ...json });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('trusted_header_invalid');
  });

  it('answers 400 trusted_header_invalid for a lone surrogate in the user header (found by the property test: was a 500)', async () => {
    const res = await login(PROXY, {
      'x-forwarded-email': `${unique('s')}@proxy.test`,
      'x-forwarded-user': '\ud800',
      ...json,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('trusted_header_invalid');
  });

  it('reads UTF-8 names as UTF-8 (Node hands header bytes over as Latin-1)', async () => {
    const res = await login(PROXY, {
      'x-forwarded-email': `${unique('jose')}@proxy.test`,
      'x-forwarded-preferred-username': Buffer.from('José Ñúñez', 'utf8').toString('latin1'),
    });
    const body = (await me(sessionCookie(res)!.value)).json();
    expect(body).toMatchObject({ firstName: 'José', lastName: 'Ñúñez' });
  });

  it('syncs groups from the groups header: listed ones added, SSO ones no longer listed removed, manual ones kept', async () => {
    const group = async (externalId: string) =>
      (
        await t.app.inject({
          method: 'POST',
          url: `/api/v1/organisations/${orgId}/groups`,
          headers: t.admin,
          payload: { name: externalId, externalId },
        })
      ).json() as { id: string; externalId: string };
    const eng = await group(unique('eng'));
    const ops = await group(unique('ops'));
    const manual = await group(unique('manual'));
    const email = `${unique('grace')}@proxy.test`;
    const first = await login(PROXY, {
      'x-forwarded-email': email,
      'x-forwarded-groups': `${eng.externalId}, ${ops.externalId},unknown`,
    });
    const userId = (await me(sessionCookie(first)!.value)).json().id as string;
    await t.app.inject({
      method: 'PUT',
      url: `/api/v1/organisations/${orgId}/groups/${manual.id}/members/${userId}`,
      headers: t.admin,
    });
    const second = await login(PROXY, { 'x-forwarded-email': email, 'x-forwarded-groups': eng.externalId });
    const groups = (await me(sessionCookie(second)!.value)).json().groups as { id: string }[];
    expect(groups.map((g) => g.id).sort()).toEqual([eng.id, manual.id].sort());
    expect((await lastTrace()).detail).toMatchObject({ groupsRemoved: [ops.id] });
  });

  it('keys the person by the user header: a new email from the proxy reaches the same account', async () => {
    const subject = unique('stable-id');
    const first = await login(PROXY, {
      'x-forwarded-email': `${unique('old')}@proxy.test`,
      'x-forwarded-user': subject,
    });
    const second = await login(PROXY, {
      'x-forwarded-email': `${unique('new')}@proxy.test`,
      'x-forwarded-user': subject,
    });
    expect((await me(sessionCookie(second)!.value)).json().id).toBe(
      (await me(sessionCookie(first)!.value)).json().id,
    );
  });

  it('ends the session the browser came with (no fixation) and never redirects off-site', async () => {
    const email = `${unique('ends')}@proxy.test`;
    const first = sessionCookie(await login(PROXY, { 'x-forwarded-email': email }))!;
    const res = await t.app.inject({
      method: 'GET',
      url: `${LOGIN}?next=${encodeURIComponent('https://evil.example/steal')}`,
      remoteAddress: PROXY,
      headers: { 'x-forwarded-email': email, cookie: `${t.config.SESSION_COOKIE_NAME}=${first.value}` },
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('http://drawbridge.test/');
    expect((await me(first.value)).statusCode).toBe(401);
    expect((await me(sessionCookie(res)!.value)).statusCode).toBe(200);
  });

  it('refuses a link by email to an existing account of another organisation (organisation rules apply)', async () => {
    const other = (
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/organisations',
        headers: t.admin,
        payload: { name: 'Other', slug: unique('other') },
      })
    ).json();
    const email = `${unique('taken')}@elsewhere.test`;
    await t.app.inject({
      method: 'POST',
      url: `/api/v1/organisations/${other.id}/users`,
      headers: t.admin,
      payload: { email, firstName: 'X', lastName: 'Y', role: 'member' },
    });
    const res = await login(PROXY, { 'x-forwarded-email': email, ...json });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toMatch(/^identity_/);
    expect(sessionCookie(res)).toBeUndefined();
  });
});

describe('trusted-header sign-in switched off (the default)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite');
  });
  afterAll(() => t.close());

  it('answers 404 trusted_header_disabled whoever asks, and records nothing', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: LOGIN,
      remoteAddress: PROXY,
      headers: { 'x-forwarded-email': 'a@proxy.test', ...json },
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('trusted_header_disabled');
    expect(await t.store.users.getByEmail('a@proxy.test')).toBeUndefined();
  });
});
