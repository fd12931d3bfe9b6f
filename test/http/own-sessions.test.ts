/**
 * A person's own sessions (list, end one, log out everywhere) and the CSRF origin check on
 * every cookie-authenticated write added with password accounts, on both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createPerson, PASSWORD, signIn, unique } from '../support/actors.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { ENGINES } from '../support/databases.ts';

interface Listed {
  id: string;
  current: boolean;
  method: string;
  ip: string | null;
  userAgent: string | null;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
}

describe.each(ENGINES)('my sessions (%s)', (engine) => {
  let t: TestApp;
  let org: { id: string };
  beforeAll(async () => {
    t = await startTestApp(engine);
    org = await createOrganisation(t);
  });
  afterAll(() => t.close());

  const me = (cookie: string) => t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } });
  const list = async (cookie: string): Promise<Listed[]> => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/auth/sessions', headers: { cookie } });
    expect(res.statusCode).toBe(200);
    return res.json().items;
  };
  const signInFrom = async (email: string, userAgent: string, remoteAddress: string) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: PASSWORD },
      headers: { 'user-agent': userAgent },
      remoteAddress,
    });
    const c = res.cookies.find((x) => x.name === 'drawbridge_session')!;
    return `${c.name}=${c.value}`;
  };

  it('lists my live sessions with device, address and times, marking the current one', async () => {
    const person = await createPerson(t, org.id, 'member');
    const laptop = await signInFrom(person.email, 'Firefox on Linux', '203.0.113.5');
    await signInFrom(person.email, 'Safari on iPhone', '198.51.100.6');
    const items = await list(laptop);
    expect(items).toHaveLength(3);
    const current = items.filter((s) => s.current);
    expect(current).toHaveLength(1);
    expect(current[0]).toMatchObject({
      method: 'password',
      ip: '203.0.113.5',
      userAgent: 'Firefox on Linux',
    });
    expect(items.map((s) => s.userAgent)).toContain('Safari on iPhone');
    for (const s of items) {
      expect(s.id).toMatch(/^[0-9a-f]{32}$/);
      expect(s.expiresAt).toBeGreaterThan(s.createdAt);
      expect(s.lastSeenAt).toBeGreaterThanOrEqual(s.createdAt);
    }
    // Neither the cookie nor the stored digest is shown.
    const raw = JSON.stringify(items);
    expect(raw).not.toContain(laptop.split('=')[1]);
  });

  it("does not list other people's sessions", async () => {
    const a = await createPerson(t, org.id, 'member');
    const b = await createPerson(t, org.id, 'member');
    const aIds = (await list(a.cookie)).map((s) => s.id);
    const bIds = (await list(b.cookie)).map((s) => s.id);
    expect(aIds.some((id) => bIds.includes(id))).toBe(false);
  });

  it('ends one of my other sessions: that browser is signed out, this one is not', async () => {
    const person = await createPerson(t, org.id, 'member');
    const phone = await signIn(t, person.email);
    const target = (await list(person.cookie)).find((s) => !s.current)!;
    const res = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/auth/sessions/${target.id}`,
      headers: person.headers,
    });
    expect(res.statusCode).toBe(204);
    expect(res.cookies).toEqual([]);
    expect((await me(phone)).statusCode).toBe(401);
    expect((await me(person.cookie)).statusCode).toBe(200);
  });

  it('ending the current session is a logout: the cookie is cleared', async () => {
    const person = await createPerson(t, org.id, 'member');
    const current = (await list(person.cookie)).find((s) => s.current)!;
    const res = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/auth/sessions/${current.id}`,
      headers: person.headers,
    });
    expect(res.statusCode).toBe(204);
    expect(res.cookies.find((c) => c.name === 'drawbridge_session')?.value).toBe('');
    expect((await me(person.cookie)).statusCode).toBe(401);
  });

  it("answers 404 for an unknown id and for someone else's session, which stays alive", async () => {
    const a = await createPerson(t, org.id, 'member');
    const b = await createPerson(t, org.id, 'member');
    const bSession = (await list(b.cookie))[0]!;
    for (const id of ['0123456789abcdef0123456789abcdef', bSession.id]) {
      const res = await t.app.inject({
        method: 'DELETE',
        url: `/api/v1/auth/sessions/${id}`,
        headers: a.headers,
      });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
    expect((await me(b.cookie)).statusCode).toBe(200);
  });

  it('logs out everywhere: every session ends, the cookie is cleared, and it is audited', async () => {
    const person = await createPerson(t, org.id, 'member');
    const others = [await signIn(t, person.email), await signIn(t, person.email)];
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout-all',
      headers: person.headers,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ended: 3 });
    expect(res.cookies.find((c) => c.name === 'drawbridge_session')?.value).toBe('');
    for (const cookie of [person.cookie, ...others]) expect((await me(cookie)).statusCode).toBe(401);
    const events = await t.store.auditEvents.list(null, { limit: 50 });
    expect(
      events.items.find((e) => e.action === 'user.logout_all' && e.targetId === person.id),
    ).toBeDefined();
  });

  it('answers 401 to an API key or no session: these routes are for people', async () => {
    for (const headers of [t.admin, {}]) {
      for (const [method, url] of [
        ['GET', '/api/v1/auth/sessions'],
        ['POST', '/api/v1/auth/logout-all'],
        ['DELETE', '/api/v1/auth/sessions/0123456789abcdef0123456789abcdef'],
      ] as const) {
        const res = await t.app.inject({ method, url, headers });
        expect(res.statusCode, `${method} ${url}`).toBe(401);
        expect(res.json().error.code).toBe('unauthorized');
      }
    }
  });
});

describe.each(ENGINES)('CSRF on the cookie-authenticated writes of password accounts (%s)', (engine) => {
  let t: TestApp;
  let org: { id: string };
  beforeAll(async () => {
    t = await startTestApp(engine);
    org = await createOrganisation(t);
  });
  afterAll(() => t.close());

  it('refuses each of them from another origin with 403 csrf_origin_mismatch and changes nothing', async () => {
    const admin = await createPerson(t, org.id, 'admin');
    const member = await createPerson(t, org.id, 'member');
    const domain = (
      await t.app.inject({
        method: 'POST',
        url: `/api/v1/organisations/${org.id}/domains`,
        headers: t.admin,
        payload: { domain: `${unique('csrf')}.test` },
      })
    ).json();
    const sessionId = (
      await t.app.inject({ method: 'GET', url: '/api/v1/auth/sessions', headers: admin.headers })
    ).json().items[0].id;
    const writes = [
      {
        method: 'POST',
        url: '/api/v1/auth/password',
        payload: { currentPassword: PASSWORD, newPassword: 'x'.repeat(20) },
      },
      { method: 'POST', url: '/api/v1/auth/logout-all' },
      { method: 'DELETE', url: `/api/v1/auth/sessions/${sessionId}` },
      {
        method: 'POST',
        url: `/api/v1/organisations/${org.id}/invitations`,
        payload: { email: `${unique('i')}@x.test` },
      },
      { method: 'POST', url: `/api/v1/organisations/${org.id}/users/${member.id}/password-reset` },
      {
        method: 'PATCH',
        url: `/api/v1/organisations/${org.id}/login-policy`,
        payload: { allowedLoginMethods: ['saml'] },
      },
      { method: 'POST', url: `/api/v1/organisations/${org.id}/domains/${domain.id}/verify` },
    ] as const;
    for (const w of writes) {
      const res = await t.app.inject({
        ...w,
        headers: { ...admin.headers, origin: 'https://evil.example' },
      });
      expect(res.statusCode, `${w.method} ${w.url}`).toBe(403);
      expect(res.json().error.code).toBe('csrf_origin_mismatch');
    }
    // Nothing happened: the session lives, the password and the policy are unchanged, no token exists.
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: admin.headers })).statusCode,
    ).toBe(200);
    expect(await signIn(t, admin.email)).toContain('drawbridge_session=');
    expect(await t.store.loginPolicies.get(org.id)).toBeUndefined();
    expect(await t.store.passwordTokens.deleteUnused(member.id, 'reset')).toBe(0);
  });

  it('accepts the same writes from our own origin', async () => {
    const admin = await createPerson(t, org.id, 'admin');
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/organisations/${org.id}/login-policy`,
      headers: { ...admin.headers, origin: 'http://drawbridge.test' },
      payload: { allowedLoginMethods: ['password', 'saml'] },
    });
    expect(res.statusCode).toBe(200);
  });
});
