/**
 * Every admin route checks the caller's rights on the organisation it touches: no
 * credential → 401; another organisation's admin or key → 404 (no probing of ids);
 * a viewer or member writing → 403; a viewer reading → 200.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createPerson, type Person, unique } from '../support/actors.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  url: string;
  need: 'read' | 'write';
  body?: () => Record<string, unknown>;
}

let t: TestApp;
let org: { id: string };
let other: { id: string };
let ids: { group: string; user: string; domain: string; key: string };
let people: Record<'admin' | 'viewer' | 'member' | 'otherAdmin', Person>;
let keys: { orgAdmin: string; orgViewer: string; otherOrg: string };

function routes(): Route[] {
  const o = `/api/v1/organisations/${org.id}`;
  return [
    { method: 'GET', url: o, need: 'read' },
    { method: 'PATCH', url: o, need: 'write', body: () => ({ name: 'Renamed' }) },
    { method: 'GET', url: `${o}/users`, need: 'read' },
    {
      method: 'POST',
      url: `${o}/users`,
      need: 'write',
      body: () => ({ email: `${unique('u')}@example.test` }),
    },
    { method: 'GET', url: `${o}/users/${ids.user}`, need: 'read' },
    { method: 'PATCH', url: `${o}/users/${ids.user}`, need: 'write', body: () => ({ firstName: 'X' }) },
    { method: 'POST', url: `${o}/users/${ids.user}/revoke-sessions`, need: 'write' },
    { method: 'POST', url: `${o}/users/${ids.user}/enable`, need: 'write' },
    { method: 'GET', url: `${o}/groups`, need: 'read' },
    {
      method: 'POST',
      url: `${o}/groups`,
      need: 'write',
      body: () => ({ name: 'G', externalId: unique('ext') }),
    },
    { method: 'GET', url: `${o}/groups/${ids.group}`, need: 'read' },
    { method: 'PATCH', url: `${o}/groups/${ids.group}`, need: 'write', body: () => ({ name: 'G2' }) },
    { method: 'GET', url: `${o}/groups/${ids.group}/members`, need: 'read' },
    { method: 'PUT', url: `${o}/groups/${ids.group}/members/${ids.user}`, need: 'write' },
    { method: 'GET', url: `${o}/domains`, need: 'read' },
    { method: 'POST', url: `${o}/domains`, need: 'write', body: () => ({ domain: `${unique('d')}.test` }) },
    { method: 'GET', url: `${o}/domains/${ids.domain}`, need: 'read' },
    {
      method: 'PATCH',
      url: `${o}/domains/${ids.domain}`,
      need: 'write',
      body: () => ({ enforceSso: false }),
    },
    { method: 'GET', url: `${o}/api-keys`, need: 'read' },
    { method: 'POST', url: `${o}/api-keys`, need: 'write', body: () => ({ name: 'k' }) },
    { method: 'GET', url: `${o}/login-traces`, need: 'read' },
    { method: 'GET', url: `${o}/audit-events`, need: 'read' },
  ];
}

const instanceRoutes: Route[] = [
  {
    method: 'POST',
    url: '/api/v1/organisations',
    need: 'write',
    body: () => ({ name: 'N', slug: unique('s') }),
  },
  { method: 'GET', url: '/api/v1/api-keys', need: 'read' },
  { method: 'POST', url: '/api/v1/api-keys', need: 'write', body: () => ({ name: 'k' }) },
];

async function call(r: Route, headers: Record<string, string>) {
  return t.app.inject({ method: r.method, url: r.url, headers, ...(r.body ? { payload: r.body() } : {}) });
}

beforeAll(async () => {
  t = await startTestApp('sqlite');
  org = await createOrganisation(t);
  other = await createOrganisation(t, 'Other');
  people = {
    admin: await createPerson(t, org.id, 'admin'),
    viewer: await createPerson(t, org.id, 'admin_viewer'),
    member: await createPerson(t, org.id, 'member'),
    otherAdmin: await createPerson(t, other.id, 'admin'),
  };
  const o = `/api/v1/organisations/${org.id}`;
  const group = await t.app.inject({
    method: 'POST',
    url: `${o}/groups`,
    headers: t.admin,
    payload: { name: 'Eng', externalId: 'eng' },
  });
  const domain = await t.app.inject({
    method: 'POST',
    url: `${o}/domains`,
    headers: t.admin,
    payload: { domain: `${unique('acme')}.test` },
  });
  const mk = async (orgId: string, role: string) =>
    (
      await t.app.inject({
        method: 'POST',
        url: `/api/v1/organisations/${orgId}/api-keys`,
        headers: t.admin,
        payload: { name: 'k', role },
      })
    ).json().key as string;
  keys = {
    orgAdmin: await mk(org.id, 'admin'),
    orgViewer: await mk(org.id, 'admin_viewer'),
    otherOrg: await mk(other.id, 'admin'),
  };
  ids = { group: group.json().id, user: people.member.id, domain: domain.json().id, key: '' };
});
afterAll(() => t.close());

describe('admin routes without credentials', () => {
  it('answer 401 unauthorized on every organisation and instance route', async () => {
    for (const r of [...routes(), ...instanceRoutes]) {
      const res = await call(r, {});
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(401);
      expect(res.json().error.code).toBe('unauthorized');
    }
  });

  it('answer 401 for an unknown, malformed or revoked API key', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: t.admin,
      payload: { name: 'r' },
    });
    await t.app.inject({ method: 'DELETE', url: `/api/v1/api-keys/${created.json().id}`, headers: t.admin });
    for (const authorization of [
      'Api-Key dbk_0000000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      'Api-Key nonsense',
      'Bearer something',
      `Api-Key ${created.json().key}`,
    ]) {
      const res = await t.app.inject({
        method: 'GET',
        url: `/api/v1/organisations/${org.id}`,
        headers: { authorization },
      });
      expect(res.statusCode, authorization).toBe(401);
    }
  });
});

describe("another organisation's admin", () => {
  it('gets 404 not_found for every route of this organisation, by session and by key', async () => {
    for (const headers of [people.otherAdmin.headers, { authorization: `Api-Key ${keys.otherOrg}` }]) {
      for (const r of routes()) {
        const res = await call(r, headers);
        expect(res.statusCode, `${r.method} ${r.url}`).toBe(404);
        expect(res.json().error.code).toBe('not_found');
      }
    }
  });
});

describe('viewers and members', () => {
  it('an admin_viewer (session or key) reads every route and is refused 403 on every write', async () => {
    for (const headers of [people.viewer.headers, { authorization: `Api-Key ${keys.orgViewer}` }]) {
      for (const r of routes()) {
        const res = await call(r, headers);
        if (r.need === 'read') expect(res.statusCode, `${r.method} ${r.url}`).toBe(200);
        else {
          expect(res.statusCode, `${r.method} ${r.url}`).toBe(403);
          expect(res.json().error.code).toBe('forbidden');
        }
      }
    }
  });

  it('a member is refused 403 on reads and writes alike', async () => {
    for (const r of routes()) {
      const res = await call(r, people.member.headers);
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(403);
    }
  });

  it('organisation admins and organisation keys cannot use instance routes (403)', async () => {
    for (const headers of [people.admin.headers, { authorization: `Api-Key ${keys.orgAdmin}` }]) {
      for (const r of instanceRoutes) {
        const res = await call(r, headers);
        expect(res.statusCode, `${r.method} ${r.url}`).toBe(403);
      }
    }
  });
});

describe('organisation admins', () => {
  it('may read and write every route of their organisation, by session and by key', async () => {
    for (const headers of [people.admin.headers, { authorization: `Api-Key ${keys.orgAdmin}` }]) {
      for (const r of routes()) {
        const res = await call(r, headers);
        expect(res.statusCode, `${r.method} ${r.url}: ${res.body}`).toBeLessThan(300);
      }
    }
  });

  it('see only their own organisation in the organisation list', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/organisations',
      headers: people.admin.headers,
    });
    expect(res.json().items.map((o: { id: string }) => o.id)).toEqual([org.id]);
  });

  it('may not mark a domain verified (only an instance admin asserts that)', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/organisations/${org.id}/domains`,
      headers: people.admin.headers,
      payload: { domain: `${unique('v')}.test`, verified: true },
    });
    expect(res.statusCode).toBe(403);
  });
});
