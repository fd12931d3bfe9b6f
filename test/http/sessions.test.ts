import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.ts';
import { openDatabase, ping } from '../../src/store/connect.ts';
import { createStore } from '../../src/store/store.ts';
import { createOrganisation, createPerson, PASSWORD, signIn, unique } from '../support/actors.ts';
import { startTestApp, type TestApp, testBox, testConfig } from '../support/app.ts';
import { createPostgresDatabase, ENGINES } from '../support/databases.ts';

describe.each(ENGINES)('password sign-in and sessions (%s)', (engine) => {
  let t: TestApp;
  let org: { id: string };
  beforeAll(async () => {
    t = await startTestApp(engine);
    org = await createOrganisation(t);
  });
  afterAll(() => t.close());

  it('sets an HttpOnly, SameSite=Lax session cookie holding an opaque id that is stored only hashed', async () => {
    const person = await createPerson(t, org.id, 'member');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: person.email, password: PASSWORD },
    });
    const cookie = res.cookies.find((c) => c.name === 'drawbridge_session')!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe('Lax');
    expect(cookie.secure).toBeFalsy();
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const sessions = await t.store.sessions.findActive(cookie.value, Date.now());
    expect(sessions).toBeUndefined(); // the raw id is not a key in the table
  });

  it('GET /auth/me returns the DESIGN.md shape: id, email, names, organisation, role, groups, attributes', async () => {
    const person = await createPerson(t, org.id, 'admin_viewer');
    const group = (
      await t.app.inject({
        method: 'POST',
        url: `/api/v1/organisations/${org.id}/groups`,
        headers: t.admin,
        payload: { name: 'Eng', externalId: unique('eng') },
      })
    ).json();
    await t.app.inject({
      method: 'PUT',
      url: `/api/v1/organisations/${org.id}/groups/${group.id}/members/${person.id}`,
      headers: t.admin,
    });
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: person.headers });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual({
      id: person.id,
      email: person.email,
      firstName: 'Test',
      lastName: 'admin_viewer',
      organisation: { id: org.id, name: 'Acme', slug: expect.any(String) },
      role: 'admin_viewer',
      groups: [{ id: group.id, name: 'Eng', externalId: group.externalId }],
      attributes: {},
      isInstanceAdmin: false,
    });
  });

  it('GET /auth/me without a session, with a made-up cookie, or with an API key answers 401', async () => {
    for (const headers of [
      {},
      { cookie: 'drawbridge_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
      t.admin,
    ]) {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('unauthorized');
    }
  });

  it('answers invalid_credentials (401) alike for a wrong password and an unknown email, and traces both', async () => {
    const person = await createPerson(t, org.id, 'member');
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: person.email, password: 'wrong password!!' },
    });
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: `${unique('nobody')}@example.test`, password: PASSWORD },
    });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
    const traces = await t.app.inject({
      method: 'GET',
      url: `/api/v1/organisations/${org.id}/login-traces`,
      headers: t.admin,
    });
    expect(traces.json().items[0]).toMatchObject({
      outcome: 'failure',
      code: 'invalid_credentials',
      email: person.email,
      protocol: 'password',
    });
  });

  it('signs in with the email in any case', async () => {
    const person = await createPerson(t, org.id, 'member');
    expect(await signIn(t, person.email.toUpperCase())).toContain('drawbridge_session=');
  });

  it('issues a new session id at every sign-in and ends the one the browser already had (no fixation)', async () => {
    const person = await createPerson(t, org.id, 'member');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: person.headers,
      payload: { email: person.email, password: PASSWORD },
    });
    const fresh = res.cookies.find((c) => c.name === 'drawbridge_session')!.value;
    expect(`drawbridge_session=${fresh}`).not.toBe(person.cookie);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: person.headers })).statusCode,
    ).toBe(401);
    expect(
      (
        await t.app.inject({
          method: 'GET',
          url: '/api/v1/auth/me',
          headers: { cookie: `drawbridge_session=${fresh}` },
        })
      ).statusCode,
    ).toBe(200);
  });

  it('logout ends the stored session and clears the cookie', async () => {
    const person = await createPerson(t, org.id, 'member');
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: person.headers });
    expect(res.statusCode).toBe(204);
    const cleared = res.cookies.find((c) => c.name === 'drawbridge_session')!;
    expect(cleared.value).toBe('');
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: person.headers })).statusCode,
    ).toBe(401);
  });

  it('refuses a cookie-authenticated write from another origin (403 csrf_origin_mismatch) and changes nothing', async () => {
    const admin = await createPerson(t, org.id, 'admin');
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/organisations/${org.id}/groups`,
      headers: { ...admin.headers, origin: 'https://evil.example' },
      payload: { name: 'Evil', externalId: 'evil' },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('csrf_origin_mismatch');
    expect((await t.store.groups.listByExternalIds(org.id, ['evil'])).length).toBe(0);
    const same = await t.app.inject({
      method: 'POST',
      url: `/api/v1/organisations/${org.id}/groups`,
      headers: { ...admin.headers, origin: 'http://drawbridge.test' },
      payload: { name: 'Fine', externalId: unique('fine') },
    });
    expect(same.statusCode).toBe(201);
  });

  it('counts sign-in outcomes by protocol and code in /metrics', async () => {
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'x@example.test', password: 'nope nope nope' },
    });
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(
      /drawbridge_logins_total\{protocol="password",outcome="failure",code="invalid_credentials"\} [1-9]/,
    );
  });
});

describe('session cookie options', () => {
  it('marks the cookie Secure when BASE_URL is https', async () => {
    const t = await startTestApp('sqlite', { BASE_URL: 'https://sso.example.com' });
    try {
      const org = await createOrganisation(t);
      const person = await createPerson(t, org.id, 'member');
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: person.email, password: PASSWORD },
      });
      expect(res.cookies.find((c) => c.name === 'drawbridge_session')!.secure).toBe(true);
    } finally {
      await t.close();
    }
  });

  it('PASSWORD_LOGIN_ENABLED=false refuses password sign-in with password_login_disabled', async () => {
    const t = await startTestApp('sqlite', { PASSWORD_LOGIN_ENABLED: 'false' });
    try {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'a@example.test', password: PASSWORD },
      });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('password_login_disabled');
    } finally {
      await t.close();
    }
  });
});

describe('sessions across instances on one PostgreSQL', () => {
  it('a logout on one instance ends the session on the other at once', async () => {
    const pgdb = await createPostgresDatabase();
    const config = testConfig({ DATABASE_URL: pgdb.url });
    const handles = [openDatabase(config), openDatabase(config)];
    try {
      const { migrate } = await import('../../src/store/connect.ts');
      await migrate(handles[0]!);
      const apps = await Promise.all(
        handles.map((h) =>
          buildApp({
            config,
            store: createStore(h),
            box: testBox(),
            logger: pino({ level: 'silent' }),
            ping: () => ping(h),
          }),
        ),
      );
      const [a, b] = apps as [(typeof apps)[0], (typeof apps)[0]];
      const ta = {
        app: a,
        config,
        admin: { authorization: `Api-Key ${config.DRAWBRIDGE_ADMIN_KEY}` },
      } as unknown as TestApp;
      const org = await createOrganisation(ta);
      const person = await createPerson(ta, org.id, 'member');
      expect(
        (await b.inject({ method: 'GET', url: '/api/v1/auth/me', headers: person.headers })).statusCode,
      ).toBe(200);
      await a.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: person.headers });
      expect(
        (await b.inject({ method: 'GET', url: '/api/v1/auth/me', headers: person.headers })).statusCode,
      ).toBe(401);
      await Promise.all(apps.map((x) => x.close()));
    } finally {
      await Promise.all(handles.map((h) => h.close()));
      await pgdb.drop();
    }
  });
});
