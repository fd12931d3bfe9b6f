import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createPerson, PASSWORD, signIn, unique } from '../support/actors.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { ENGINES } from '../support/databases.ts';

describe.each(ENGINES)('users API (%s)', (engine) => {
  let t: TestApp;
  let org: { id: string };
  let base: string;
  beforeAll(async () => {
    t = await startTestApp(engine);
    org = await createOrganisation(t);
    base = `/api/v1/organisations/${org.id}/users`;
  });
  afterAll(() => t.close());

  const create = (payload: Record<string, unknown>, orgBase = base) =>
    t.app.inject({ method: 'POST', url: orgBase, headers: t.admin, payload });

  it('creates a user with a role (default member) and never returns the password', async () => {
    const email = `${unique('Ann')}@Example.test`;
    const res = await create({ email, firstName: 'Ann', lastName: 'Lee', password: PASSWORD });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      email,
      firstName: 'Ann',
      lastName: 'Lee',
      role: 'member',
      hasPassword: true,
    });
    expect(res.body).not.toContain(PASSWORD);
    expect(res.body).not.toContain('argon2');
  });

  it('treats emails case-insensitively: the same address in other case is the same person (409 membership_exists)', async () => {
    const email = `${unique('bob')}@example.test`;
    expect((await create({ email })).statusCode).toBe(201);
    const res = await create({ email: email.toUpperCase() });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('membership_exists');
  });

  it('adds an existing person to a second organisation without touching their profile', async () => {
    const email = `${unique('multi')}@example.test`;
    const first = (await create({ email, firstName: 'Original' })).json();
    const other = await createOrganisation(t);
    const res = await create(
      { email, firstName: 'Changed', role: 'admin_viewer' },
      `/api/v1/organisations/${other.id}/users`,
    );
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ id: first.id, firstName: 'Original', role: 'admin_viewer' });
  });

  it('refuses to set a password for an existing person (409 email_taken)', async () => {
    const email = `${unique('pw')}@example.test`;
    await create({ email });
    const other = await createOrganisation(t);
    const res = await create({ email, password: PASSWORD }, `/api/v1/organisations/${other.id}/users`);
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('email_taken');
  });

  it.each([
    [{ email: 'not-an-email' }],
    [{ email: 'a@b.test', unknown: 1 }],
    [{ email: 'a@b.test', firstName: 'bad\u0000name' }],
  ])('answers 400 invalid_request for %j', async (payload) => {
    const res = await create(payload);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_request');
  });

  it('answers 400 invalid_role for an unknown role and creates no user', async () => {
    const email = `${unique('role')}@example.test`;
    const res = await create({ email, role: 'root' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_role');
    expect(await t.store.users.getByEmail(email)).toBeUndefined();
  });

  it('accepts LiteLLM role aliases (proxy_admin → admin)', async () => {
    const res = await create({ email: `${unique('alias')}@example.test`, role: 'proxy_admin' });
    expect(res.json().role).toBe('admin');
  });

  it('searches users by email or name, case-insensitively, and pages the result', async () => {
    const tag = unique('zed').toLowerCase();
    for (let i = 0; i < 3; i++) await create({ email: `${tag}-${i}@example.test`, firstName: 'Zed' });
    await create({ email: `${unique('other')}@example.test`, firstName: 'Quinn', lastName: `Q${tag}` });
    const page1 = (
      await t.app.inject({
        method: 'GET',
        url: `${base}?search=${tag.toUpperCase()}&limit=2`,
        headers: t.admin,
      })
    ).json();
    expect(page1.items).toHaveLength(2);
    const page2 = (
      await t.app.inject({
        method: 'GET',
        url: `${base}?search=${tag}&limit=2&cursor=${page1.nextCursor}`,
        headers: t.admin,
      })
    ).json();
    expect(page2.items).toHaveLength(2);
    expect(page2.nextCursor).toBeNull();
  });

  it('reads a user with their groups and session count; updates names, role and attributes', async () => {
    const person = await createPerson(t, org.id, 'member');
    const detail = (
      await t.app.inject({ method: 'GET', url: `${base}/${person.id}`, headers: t.admin })
    ).json();
    expect(detail).toMatchObject({
      id: person.id,
      role: 'member',
      activeSessions: 1,
      organisationCount: 1,
      groups: [],
    });
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `${base}/${person.id}`,
      headers: t.admin,
      payload: { firstName: 'New', role: 'admin_viewer', attributes: { maxBudget: 10, models: ['a'] } },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({
      firstName: 'New',
      role: 'admin_viewer',
      attributes: { maxBudget: 10, models: ['a'] },
    });
  });

  it('disables a user: their sessions end, sign-in is refused with account_disabled; enable restores sign-in', async () => {
    const person = await createPerson(t, org.id, 'member');
    const res = await t.app.inject({ method: 'POST', url: `${base}/${person.id}/disable`, headers: t.admin });
    expect(res.json().disabled).toBe(true);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: person.headers })).statusCode,
    ).toBe(401);
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: person.email, password: PASSWORD },
    });
    expect(login.statusCode).toBe(403);
    expect(login.json().error.code).toBe('account_disabled');
    await t.app.inject({ method: 'POST', url: `${base}/${person.id}/enable`, headers: t.admin });
    expect(await signIn(t, person.email)).toContain('=');
  });

  it('an organisation admin may not disable a person who belongs to other organisations (403)', async () => {
    const admin = await createPerson(t, org.id, 'admin');
    const email = `${unique('shared')}@example.test`;
    const u = (await create({ email })).json();
    const other = await createOrganisation(t);
    await create({ email }, `/api/v1/organisations/${other.id}/users`);
    const res = await t.app.inject({
      method: 'POST',
      url: `${base}/${u.id}/disable`,
      headers: admin.headers,
    });
    expect(res.statusCode).toBe(403);
    expect((await t.store.users.get(u.id))?.disabled).toBe(false);
  });

  it('revokes every session of a user', async () => {
    const person = await createPerson(t, org.id, 'member');
    const second = await signIn(t, person.email);
    const res = await t.app.inject({
      method: 'POST',
      url: `${base}/${person.id}/revoke-sessions`,
      headers: t.admin,
    });
    expect(res.json().revoked).toBe(2);
    for (const cookie of [person.cookie, second]) {
      expect(
        (await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } })).statusCode,
      ).toBe(401);
    }
  });

  it('removes a user from the organisation (DELETE) and then answers 404 for them', async () => {
    const u = (await create({ email: `${unique('gone')}@example.test` })).json();
    expect(
      (await t.app.inject({ method: 'DELETE', url: `${base}/${u.id}`, headers: t.admin })).statusCode,
    ).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: `${base}/${u.id}`, headers: t.admin })).statusCode).toBe(
      404,
    );
  });
});
