import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, unique } from '../support/actors.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { ENGINES } from '../support/databases.ts';

describe.each(ENGINES)('groups API (%s)', (engine) => {
  let t: TestApp;
  let org: { id: string };
  let base: string;
  beforeAll(async () => {
    t = await startTestApp(engine);
    org = await createOrganisation(t);
    base = `/api/v1/organisations/${org.id}/groups`;
  });
  afterAll(() => t.close());

  const create = (payload: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: base, headers: t.admin, payload });

  it('creates a group with name, externalId, addNewUsersByDefault and role', async () => {
    const res = await create({
      name: 'Engineering',
      externalId: 'eng-1',
      addNewUsersByDefault: true,
      role: 'member',
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      name: 'Engineering',
      externalId: 'eng-1',
      addNewUsersByDefault: true,
      role: 'member',
      organisationId: org.id,
    });
  });

  it('accepts LiteLLM role names as aliases (internal_user → member)', async () => {
    const res = await create({ name: 'Aliased', externalId: unique('x'), role: 'internal_user' });
    expect(res.statusCode).toBe(201);
    expect(res.json().role).toBe('member');
  });

  it('refuses an unknown role with 400 invalid_role and creates nothing', async () => {
    const before = (await t.app.inject({ method: 'GET', url: base, headers: t.admin })).json().items.length;
    const res = await create({ name: 'Bad', role: 'superuser' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_role');
    expect((await t.app.inject({ method: 'GET', url: base, headers: t.admin })).json().items.length).toBe(
      before,
    );
  });

  it('refuses a second group with the same externalId in the organisation (409 external_id_taken)', async () => {
    const externalId = unique('dup');
    expect((await create({ name: 'One', externalId })).statusCode).toBe(201);
    const res = await create({ name: 'Two', externalId });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('external_id_taken');
  });

  it('allows the same externalId in another organisation', async () => {
    const externalId = unique('shared');
    expect((await create({ name: 'Here', externalId })).statusCode).toBe(201);
    const otherOrg = await createOrganisation(t);
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/organisations/${otherOrg.id}/groups`,
      headers: t.admin,
      payload: { name: 'There', externalId },
    });
    expect(res.statusCode).toBe(201);
  });

  it('updates, reads and deletes a group', async () => {
    const g = (await create({ name: 'Temp', externalId: unique('t') })).json();
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `${base}/${g.id}`,
      headers: t.admin,
      payload: { name: 'Renamed', externalId: null },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ name: 'Renamed', externalId: null });
    expect(
      (await t.app.inject({ method: 'GET', url: `${base}/${g.id}`, headers: t.admin })).json().name,
    ).toBe('Renamed');
    expect(
      (await t.app.inject({ method: 'DELETE', url: `${base}/${g.id}`, headers: t.admin })).statusCode,
    ).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: `${base}/${g.id}`, headers: t.admin })).statusCode).toBe(
      404,
    );
  });

  it('adds a member manually (source manual), lists and removes them', async () => {
    const g = (await create({ name: 'Members', externalId: unique('m') })).json();
    const user = (
      await t.app.inject({
        method: 'POST',
        url: `/api/v1/organisations/${org.id}/users`,
        headers: t.admin,
        payload: { email: `${unique('m')}@example.test` },
      })
    ).json();
    expect(
      (await t.app.inject({ method: 'PUT', url: `${base}/${g.id}/members/${user.id}`, headers: t.admin }))
        .statusCode,
    ).toBe(204);
    // Idempotent.
    expect(
      (await t.app.inject({ method: 'PUT', url: `${base}/${g.id}/members/${user.id}`, headers: t.admin }))
        .statusCode,
    ).toBe(204);
    const members = (
      await t.app.inject({ method: 'GET', url: `${base}/${g.id}/members`, headers: t.admin })
    ).json().items;
    expect(members).toEqual([expect.objectContaining({ userId: user.id, source: 'manual' })]);
    expect(
      (await t.app.inject({ method: 'DELETE', url: `${base}/${g.id}/members/${user.id}`, headers: t.admin }))
        .statusCode,
    ).toBe(204);
    expect(
      (await t.app.inject({ method: 'DELETE', url: `${base}/${g.id}/members/${user.id}`, headers: t.admin }))
        .statusCode,
    ).toBe(404);
  });

  it('refuses to add a user of another organisation to a group (404)', async () => {
    const g = (await create({ name: 'Closed', externalId: unique('c') })).json();
    const otherOrg = await createOrganisation(t);
    const outsider = (
      await t.app.inject({
        method: 'POST',
        url: `/api/v1/organisations/${otherOrg.id}/users`,
        headers: t.admin,
        payload: { email: `${unique('o')}@example.test` },
      })
    ).json();
    const res = await t.app.inject({
      method: 'PUT',
      url: `${base}/${g.id}/members/${outsider.id}`,
      headers: t.admin,
    });
    expect(res.statusCode).toBe(404);
  });

  it('puts new users into groups flagged addNewUsersByDefault', async () => {
    const g = (
      await create({ name: 'Everyone', externalId: unique('all'), addNewUsersByDefault: true })
    ).json();
    const user = (
      await t.app.inject({
        method: 'POST',
        url: `/api/v1/organisations/${org.id}/users`,
        headers: t.admin,
        payload: { email: `${unique('n')}@example.test` },
      })
    ).json();
    const detail = (
      await t.app.inject({
        method: 'GET',
        url: `/api/v1/organisations/${org.id}/users/${user.id}`,
        headers: t.admin,
      })
    ).json();
    expect(detail.groups.map((x: { id: string }) => x.id)).toContain(g.id);
  });
});
