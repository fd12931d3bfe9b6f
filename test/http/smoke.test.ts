import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/databases.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

describe.each(ENGINES)('organisations over HTTP (%s)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine);
  });
  afterAll(() => t.close());

  it('creates an organisation with the instance admin key and reads it back', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/organisations', headers: t.admin, payload: { name: 'Acme', slug: 'acme' } });
    expect(res.statusCode).toBe(201);
    const got = await t.app.inject({ method: 'GET', url: `/api/v1/organisations/${res.json().id}`, headers: t.admin });
    expect(got.json()).toMatchObject({ name: 'Acme', slug: 'acme' });
  });
});
