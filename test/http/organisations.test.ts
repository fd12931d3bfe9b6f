import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, unique } from '../support/actors.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { ENGINES } from '../support/databases.ts';

describe.each(ENGINES)('organisations API (%s)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine);
  });
  afterAll(() => t.close());

  it('creates an organisation (201 with id, name, slug) and reads it back', async () => {
    const slug = unique('acme');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/organisations',
      headers: t.admin,
      payload: { name: 'Acme', slug },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ name: 'Acme', slug, id: expect.any(String) });
    const got = await t.app.inject({
      method: 'GET',
      url: `/api/v1/organisations/${res.json().id}`,
      headers: t.admin,
    });
    expect(got.statusCode).toBe(200);
    expect(got.json().slug).toBe(slug);
  });

  it('refuses a second organisation with the same slug with 409 slug_taken', async () => {
    const { slug } = await createOrganisation(t);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/organisations',
      headers: t.admin,
      payload: { name: 'Dup', slug },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('slug_taken');
  });

  it.each([
    [{ name: 'A' }, 'missing slug'],
    [{ name: 'A', slug: 'Not A Slug' }, 'invalid slug'],
    [{ name: '', slug: 'ok-slug' }, 'empty name'],
    [{ name: 'A', slug: 'ok', extra: true }, 'unknown field'],
    [{ name: 5, slug: 'ok' }, 'wrong type'],
  ] as [Record<string, unknown>, string][])('answers 400 invalid_request for %j (%s)', async (payload) => {
    const before = await t.app.inject({
      method: 'GET',
      url: '/api/v1/organisations?limit=200',
      headers: t.admin,
    });
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/organisations',
      headers: t.admin,
      payload,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_request');
    const after = await t.app.inject({
      method: 'GET',
      url: '/api/v1/organisations?limit=200',
      headers: t.admin,
    });
    expect(after.json()).toEqual(before.json());
  });

  it('answers 400 malformed_json for a body that is not JSON', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/organisations',
      headers: { ...t.admin, 'content-type': 'application/json' },
      payload: '{"name": "Acme",',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('malformed_json');
  });

  it('pages through the list with limit and nextCursor, each organisation once', async () => {
    for (let i = 0; i < 5; i++) await createOrganisation(t);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/v1/organisations?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await t.app.inject({ method: 'GET', url, headers: t.admin })).json();
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((o: { slug: string }) => o.slug));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.length).toBeGreaterThanOrEqual(5);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(seen);
  });

  it('renames an organisation (PATCH) and records an audit event', async () => {
    const org = await createOrganisation(t);
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/organisations/${org.id}`,
      headers: t.admin,
      payload: { name: 'New name' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().name).toBe('New name');
    const audit = await t.app.inject({
      method: 'GET',
      url: `/api/v1/organisations/${org.id}/audit-events`,
      headers: t.admin,
    });
    expect(audit.json().items.map((e: { action: string }) => e.action)).toEqual([
      'organisation.update',
      'organisation.create',
    ]);
  });

  it('deletes an organisation (204) and then answers 404', async () => {
    const org = await createOrganisation(t);
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/organisations/${org.id}`,
      headers: t.admin,
    });
    expect(del.statusCode).toBe(204);
    const again = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/organisations/${org.id}`,
      headers: t.admin,
    });
    expect(again.statusCode).toBe(404);
    const get = await t.app.inject({
      method: 'GET',
      url: `/api/v1/organisations/${org.id}`,
      headers: t.admin,
    });
    expect(get.statusCode).toBe(404);
  });

  it('answers 404 not_found for an unknown id', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/organisations/does-not-exist',
      headers: t.admin,
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
  });
});
