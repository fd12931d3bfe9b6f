/**
 * Two Drawbridge instances on one PostgreSQL database behind a load balancer: a SAML login
 * started on one finishes on the other, and a replayed assertion is refused by the other.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.ts';
import type { App } from '../../src/http/context.ts';
import { type DatabaseHandle, migrate, openDatabase, ping } from '../../src/store/connect.ts';
import { createStore } from '../../src/store/store.ts';
import {
  completeSpInitiatedLogin,
  idpInitiatedLogin,
  type RunningIdp,
  startSimpleSamlPhp,
} from '../interop/saml/index.ts';
import { createOrganisation, unique } from '../support/actors.ts';
import { type TestApp, testBox, testConfig } from '../support/app.ts';
import { createPostgresDatabase } from '../support/databases.ts';

describe('SAML across two instances on one PostgreSQL', () => {
  let pgdb: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let handles: DatabaseHandle[];
  let a: App;
  let b: App;
  let idp: RunningIdp;
  let name: string;
  let orgId: string;
  let sp: { entityId: string; acsUrl: string; metadataXml: string };
  let admin: Record<string, string>;

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
    const ta = {
      app: a,
      config,
      admin: { authorization: `Api-Key ${config.DRAWBRIDGE_ADMIN_KEY}` },
    } as unknown as TestApp;
    const org = await createOrganisation(ta);
    orgId = org.id;
    admin = ta.admin as unknown as Record<string, string>;
    name = unique('lb');
    const created = await a.inject({
      method: 'POST',
      url: `/api/v1/organisations/${org.id}/saml-configurations`,
      headers: ta.admin,
      payload: { name },
    });
    // The SP metadata comes from instance B: both serve the same keys from the database.
    const metadata = await b.inject({ method: 'GET', url: `/api/v1/auth/saml/${name}/metadata/` });
    sp = { entityId: created.json().entityId, acsUrl: created.json().acsUrl, metadataXml: metadata.body };
    idp = await startSimpleSamlPhp({ sp });
    const patched = await b.inject({
      method: 'PATCH',
      url: `/api/v1/organisations/${org.id}/saml-configurations/${name}`,
      headers: ta.admin,
      payload: { idpMetadataXml: idp.metadataXml },
    });
    expect(patched.statusCode, patched.body).toBe(200);
  });

  afterAll(async () => {
    await idp?.stop();
    await Promise.all([a?.close(), b?.close()]);
    await Promise.all((handles ?? []).map((h) => h.close()));
    await pgdb?.drop();
  });

  it('a login started on instance A completes on instance B; the replay is refused on A', async () => {
    const start = await a.inject({ method: 'GET', url: `/api/v1/auth/saml/${name}/login/?next=/home` });
    expect(start.statusCode).toBe(302);
    const cookie = start.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const post = await completeSpInitiatedLogin(start.headers.location as string, {
      username: 'alice',
      password: 'alicepass',
    });
    const form = new URLSearchParams({
      SAMLResponse: post.samlResponse,
      RelayState: post.relayState ?? '',
    }).toString();
    const headers = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      cookie,
    };
    const done = await b.inject({
      method: 'POST',
      url: `/api/v1/auth/saml/${name}/response/`,
      headers,
      payload: form,
    });
    expect(done.statusCode, done.body).toBe(303);
    expect(done.headers.location).toBe('http://drawbridge.test/home');
    const replay = await a.inject({
      method: 'POST',
      url: `/api/v1/auth/saml/${name}/response/`,
      headers,
      payload: form,
    });
    expect(replay.statusCode).toBe(400);
    expect(replay.json().error.code).toMatch(/^saml_(request_unknown|replay_detected)$/);
    expect(replay.cookies.find((c) => c.name === 'drawbridge_session')).toBeUndefined();
  });

  it('an IdP-initiated assertion accepted by instance A is refused as a replay by instance B (saml_replay_detected)', async () => {
    await a.inject({
      method: 'PATCH',
      url: `/api/v1/organisations/${orgId}/saml-configurations/${name}`,
      headers: admin,
      payload: { allowIdpInitiated: true },
    });
    const post = await idpInitiatedLogin(idp, sp, { username: 'alice', password: 'alicepass' });
    const form = new URLSearchParams({ SAMLResponse: post.samlResponse }).toString();
    const headers = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    expect(
      (await a.inject({ method: 'POST', url: `/api/v1/auth/saml/${name}/response/`, headers, payload: form }))
        .statusCode,
    ).toBe(303);
    const replay = await b.inject({
      method: 'POST',
      url: `/api/v1/auth/saml/${name}/response/`,
      headers,
      payload: form,
    });
    expect(replay.statusCode).toBe(400);
    expect(replay.json().error.code).toBe('saml_replay_detected');
  });
});
