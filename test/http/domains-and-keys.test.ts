import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, unique } from '../support/actors.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { ENGINES } from '../support/databases.ts';

describe.each(ENGINES)('email domains API (%s)', (engine) => {
  let t: TestApp;
  let org: { id: string };
  let base: string;
  beforeAll(async () => {
    t = await startTestApp(engine);
    org = await createOrganisation(t);
    base = `/api/v1/organisations/${org.id}/domains`;
  });
  afterAll(() => t.close());

  it('claims a domain (lowercased) with verified and enforceSso from an instance admin, with a DNS verification record', async () => {
    const domain = `${unique('Acme')}.Test`;
    const res = await t.app.inject({
      method: 'POST',
      url: base,
      headers: t.admin,
      payload: { domain, verified: true, enforceSso: true },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ domain: domain.toLowerCase(), verified: true, enforceSso: true });
    expect(res.json().verificationRecord).toMatch(/^drawbridge-verification=[A-Za-z0-9_-]{24}$/);
    expect(res.json()).not.toHaveProperty('verificationToken');
  });

  it('refuses a domain another organisation claimed (409 domain_taken), whatever its case', async () => {
    const domain = `${unique('taken')}.test`;
    await t.app.inject({ method: 'POST', url: base, headers: t.admin, payload: { domain } });
    const other = await createOrganisation(t);
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/organisations/${other.id}/domains`,
      headers: t.admin,
      payload: { domain: domain.toUpperCase() },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('domain_taken');
  });

  it.each(['not a domain', 'localhost', '-bad.test', 'a..b', 'x'.repeat(300)])(
    'refuses %s with 400',
    async (domain) => {
      const res = await t.app.inject({ method: 'POST', url: base, headers: t.admin, payload: { domain } });
      expect(res.statusCode).toBe(400);
    },
  );

  it('updates enforceSso, lists and releases a domain', async () => {
    const d = (
      await t.app.inject({
        method: 'POST',
        url: base,
        headers: t.admin,
        payload: { domain: `${unique('u')}.test` },
      })
    ).json();
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `${base}/${d.id}`,
      headers: t.admin,
      payload: { enforceSso: true },
    });
    expect(patched.json().enforceSso).toBe(true);
    const list = (await t.app.inject({ method: 'GET', url: base, headers: t.admin })).json().items;
    expect(list.map((x: { id: string }) => x.id)).toContain(d.id);
    expect(
      (await t.app.inject({ method: 'DELETE', url: `${base}/${d.id}`, headers: t.admin })).statusCode,
    ).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: `${base}/${d.id}`, headers: t.admin })).statusCode).toBe(
      404,
    );
  });
});

describe.each(ENGINES)('API keys API (%s)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine);
  });
  afterAll(() => t.close());

  it('creates an instance key shown once; lists never show it; it authenticates until revoked', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: t.admin,
      payload: { name: 'ci' },
    });
    expect(created.statusCode).toBe(201);
    const { id, key } = created.json();
    expect(key).toMatch(/^dbk_[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/);
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: t.admin });
    expect(list.body).not.toContain(key.split('.')[1]);
    expect(list.json().items.map((k: { id: string }) => k.id)).toContain(id);
    const headers = { authorization: `Api-Key ${key}` };
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/organisations', headers })).statusCode).toBe(
      200,
    );
    const listed = (await t.app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: t.admin }))
      .json()
      .items.find((k: { id: string }) => k.id === id);
    expect(listed.lastUsedAt).toEqual(expect.any(Number));
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/v1/api-keys/${id}`, headers: t.admin })).statusCode,
    ).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/organisations', headers })).statusCode).toBe(
      401,
    );
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/v1/api-keys/${id}`, headers: t.admin })).statusCode,
    ).toBe(404);
  });

  it('stores only a hash of the key', async () => {
    const { id, key } = (
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/api-keys',
        headers: t.admin,
        payload: { name: 'h' },
      })
    ).json();
    const stored = await t.store.apiKeys.getForAuthentication(id);
    expect(stored?.secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored?.secretHash).not.toContain(key.split('.')[1]);
  });

  it("an organisation key works only inside its organisation; another organisation's key id cannot be revoked through this one (404)", async () => {
    const a = await createOrganisation(t);
    const b = await createOrganisation(t);
    const created = (
      await t.app.inject({
        method: 'POST',
        url: `/api/v1/organisations/${a.id}/api-keys`,
        headers: t.admin,
        payload: { name: 'a' },
      })
    ).json();
    const headers = { authorization: `Api-Key ${created.key}` };
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/v1/organisations/${a.id}/groups`, headers }))
        .statusCode,
    ).toBe(200);
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/v1/organisations/${b.id}/groups`, headers }))
        .statusCode,
    ).toBe(404);
    const cross = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/organisations/${b.id}/api-keys/${created.id}`,
      headers: t.admin,
    });
    expect(cross.statusCode).toBe(404);
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/v1/organisations/${a.id}/groups`, headers }))
        .statusCode,
    ).toBe(200);
  });

  it('refuses an organisation key with a role other than admin or admin_viewer (400)', async () => {
    const a = await createOrganisation(t);
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/organisations/${a.id}/api-keys`,
      headers: t.admin,
      payload: { name: 'x', role: 'member' },
    });
    expect(res.statusCode).toBe(400);
  });
});
