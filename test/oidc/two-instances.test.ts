/**
 * Two Drawbridge instances on one PostgreSQL database behind a load balancer: an OIDC login
 * started on one finishes on the other, and its callback replayed on the first is refused.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.ts';
import type { App } from '../../src/http/context.ts';
import { type DatabaseHandle, migrate, openDatabase, ping } from '../../src/store/connect.ts';
import { createStore } from '../../src/store/store.ts';
import { authorizeAtProvider } from '../interop/oidc/browser.ts';
import { makeSigningKey, type RunningOp, startOp } from '../interop/oidc/provider.ts';
import { CLIENT_ID, CLIENT_SECRET, PEOPLE } from '../interop/oidc/world.ts';
import { createOrganisation } from '../support/actors.ts';
import { type TestApp, testBox, testConfig } from '../support/app.ts';
import { createPostgresDatabase } from '../support/databases.ts';

describe('OIDC across two instances on one PostgreSQL', () => {
  let pgdb: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let handles: DatabaseHandle[];
  let a: App;
  let b: App;
  let op: RunningOp;
  const name = 'lb-oidc';
  const callback = `http://drawbridge.test/api/v1/auth/oidc/${name}/callback/`;

  beforeAll(async () => {
    pgdb = await createPostgresDatabase();
    const config = testConfig({ DATABASE_URL: pgdb.url, DRAWBRIDGE_ALLOW_PRIVATE_IDP_URLS: 'true' });
    handles = [openDatabase(config), openDatabase(config)];
    await migrate(handles[0]!);
    [a, b] = (await Promise.all(
      handles.map((h) =>
        buildApp({
          config,
          store: createStore(h),
          box: testBox(),
          logger: pino({ level: 'silent' }),
          ping: () => ping(h),
        }),
      ),
    )) as [App, App];
    op = await startOp({
      keys: [await makeSigningKey('RS256', 'k1')],
      clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [callback] }],
      people: PEOPLE,
    });
    const ta = {
      app: a,
      config,
      admin: { authorization: `Api-Key ${config.DRAWBRIDGE_ADMIN_KEY}` },
    } as unknown as TestApp;
    const org = await createOrganisation(ta);
    const created = await a.inject({
      method: 'POST',
      url: `/api/v1/organisations/${org.id}/oidc-configurations`,
      headers: ta.admin,
      payload: {
        name,
        provider: 'generic-oidc',
        issuer: op.issuer,
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        scope: 'openid email profile groups',
      },
    });
    expect(created.statusCode, created.body).toBe(201);
  });

  afterAll(async () => {
    await a.close();
    await b.close();
    await Promise.all(handles.map((h) => h.close()));
    await op.close();
    await pgdb.drop();
  });

  it('finishes on instance B a login started on instance A, once', async () => {
    const start = await a.inject({ method: 'GET', url: `/api/v1/auth/oidc/${name}/login/` });
    const binding = start.cookies.find((c) => c.name.startsWith('drawbridge_oidc_'))!;
    const back = new URL(await authorizeAtProvider(start.headers.location as string, 'alice', callback));
    const cookie = `${binding.name}=${binding.value}`;
    const onB = await b.inject({
      method: 'GET',
      url: `${back.pathname}${back.search}`,
      headers: { cookie, accept: 'application/json' },
    });
    expect(onB.statusCode, onB.body).toBe(303);
    expect(onB.cookies.some((c) => c.name === 'drawbridge_session' && c.value !== '')).toBe(true);
    const replayOnA = await a.inject({
      method: 'GET',
      url: `${back.pathname}${back.search}`,
      headers: { cookie, accept: 'application/json' },
    });
    expect(replayOnA.statusCode).toBe(400);
    expect(replayOnA.json().error.code).toBe('oidc_state_unknown');
  });
});
