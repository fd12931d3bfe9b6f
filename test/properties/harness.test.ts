/**
 * Checks of the property-test harness itself. The route table must list every route of the
 * app (a route added to src/http without a row in route-catalogue.ts#ROUTES fails here, so that it
 * is fuzzed too), and the snapshot must see writes, or "nothing written" would prove nothing.
 */
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshot, snapshotDiff, TABLES } from './database-snapshot.ts';
import { exchange } from './exchange.ts';
import { PropertyViolation } from './failure-report.ts';
import { createFixture, type Fixture } from './fixture.ts';
import { type PropertyApp, startPropertyApp } from './property-app.ts';
import { ROUTES } from './route-catalogue.ts';

describe('the route table of the property tests', () => {
  let t: PropertyApp;
  beforeAll(async () => {
    t = await startPropertyApp('sqlite');
  });
  afterAll(() => t?.close());

  it('lists every route of the OpenAPI document, and nothing else', () => {
    const doc = t.app.swagger() as { paths: Record<string, Record<string, unknown>> };
    const registered = Object.entries(doc.paths)
      .flatMap(([path, ops]) =>
        Object.keys(ops)
          .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
          .map((m) => `${m.toUpperCase()} ${path.replace(/\{([A-Za-z]+)\}/g, ':$1')}`),
      )
      .sort();
    const listed = ROUTES.map((r) => `${r.method} ${r.path}`).sort();
    expect(listed).toEqual(registered);
  });

  it('fills every :param of every route with a fixture id', () => {
    for (const r of ROUTES) {
      const names = [...r.path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]);
      if (names.length > 0) expect(r.params, `${r.method} ${r.path}`).toBeDefined();
    }
  });

  it('gives every route with a body schema a valid body', () => {
    for (const r of ROUTES.filter((x) => x.body)) expect(r.validBody, `${r.method} ${r.path}`).toBeDefined();
  });
});

describe('the snapshot of stored data', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await createFixture('sqlite');
  });
  afterAll(() => f?.t.close());

  it('reads every table of the schema', async () => {
    const snap = await snapshot(f.t.db);
    expect(Object.keys(snap).sort()).toEqual([...TABLES].sort());
    expect(snap.organisations.length).toBeGreaterThanOrEqual(2);
  });

  it('sees an accepted write (the row and its audit event)', async () => {
    const before = await snapshot(f.t.db);
    const res = await f.t.app.inject({
      method: 'POST',
      url: `/api/v1/organisations/${f.orgId}/groups`,
      headers: f.headers.instanceAdmin,
      payload: { name: 'Seen by the snapshot' },
    });
    expect(res.statusCode).toBe(201);
    const changed = snapshotDiff(before, await snapshot(f.t.db)).map((c) => c.split(':')[0]);
    expect(changed).toEqual(['groups', 'audit_events']);
  });

  it("does not count an API key's last use or a session's sliding expiry as a change", async () => {
    const before = await snapshot(f.t.db);
    await f.t.db.updateTable('api_keys').set({ last_used_at: 1 }).execute();
    await f.t.db.updateTable('sessions').set({ last_seen_at: 1 }).execute();
    expect(snapshotDiff(before, await snapshot(f.t.db))).toEqual([]);
  });

  it('makes exchange() fail when a refused request is followed by a change', async () => {
    // A refused request, with a write slipped in between the two snapshots by the test.
    const sneaky = {
      ...f,
      t: {
        ...f.t,
        app: {
          inject: async (opts: InjectOptions) => {
            const res = await f.t.app.inject(opts);
            await f.t.db.updateTable('organisations').set({ name: 'changed behind the back' }).execute();
            return res;
          },
        },
      },
    } as unknown as Fixture;
    await expect(
      exchange(sneaky, {
        method: 'GET',
        url: '/api/v1/organisations/unknown',
        headers: f.headers.instanceAdmin,
      }),
    ).rejects.toThrow(PropertyViolation);
  });
});
