/** The hourly sweep forgets expired sign-in state, and nothing that is still live (both engines). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepExpired } from '../../src/server.ts';
import { createOrganisation } from '../support/actors.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { ENGINES } from '../support/databases.ts';

describe.each(ENGINES)('housekeeping (%s)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine);
  });
  afterAll(() => t.close());

  it('deletes expired pending logins, replay entries and link requests, and keeps live ones', async () => {
    const now = Date.now();
    const org = await createOrganisation(t);
    const user = await t.store.users.create({ email: `sweep-${now}@example.test` });
    const pending = (id: string, expiresAt: number) =>
      t.store.pendingLogins.create({
        id,
        protocol: 'oidc',
        configurationId: org.id,
        browserHash: 'h',
        returnTo: '/',
        data: {},
        createdAt: now - 1000,
        expiresAt,
      });
    await pending(`old-${now}`, now - 1);
    await pending(`live-${now}`, now + 60_000);
    expect(await t.store.replayCache.claim(`old-${now}`, now - 1, now - 10)).toBe(true);
    expect(await t.store.replayCache.claim(`live-${now}`, now + 60_000, now)).toBe(true);
    const link = (id: string, expiresAt: number) =>
      t.store.identityLinkRequests.create({
        id,
        connection: 'oidc:x',
        connectionName: 'x',
        subject: 's',
        userId: user.id,
        browserHash: 'h',
        createdAt: now - 1000,
        expiresAt,
      });
    await link(`old-${now}`, now - 1);
    await link(`live-${now}`, now + 60_000);

    await sweepExpired(t.store, t.config, now);

    expect(await t.store.pendingLogins.consume(`old-${now}`, 'oidc')).toBeUndefined();
    expect(await t.store.pendingLogins.consume(`live-${now}`, 'oidc')).toBeDefined();
    // A live replay entry still refuses a second claim; the expired one was forgotten.
    expect(await t.store.replayCache.claim(`live-${now}`, now + 60_000, now)).toBe(false);
    expect(await t.store.identityLinkRequests.get(`old-${now}`)).toBeUndefined();
    expect(await t.store.identityLinkRequests.get(`live-${now}`)).toBeDefined();
  });
});
