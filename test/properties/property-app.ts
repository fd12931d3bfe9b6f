/**
 * The app the HTTP property tests call, over a real database whose handle stays open.
 *
 * `startPropertyApp` mirrors test/support/app.ts#startTestApp but keeps the database handle,
 * so that a snapshot (database-snapshot.ts) covers every table (audit events, sessions and
 * memberships included), not only what the admin API happens to show.
 */

import type { Kysely } from 'kysely';
import pino from 'pino';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { buildApp } from '../../src/http/app.ts';
import type { App } from '../../src/http/context.ts';
import { ping } from '../../src/store/connect.ts';
import type { Database } from '../../src/store/schema.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import { ADMIN_KEY, testBox } from '../support/app.ts';
import { type EngineName, openTestDatabase } from '../support/databases.ts';

export interface PropertyApp {
  engine: EngineName;
  app: App;
  store: Store;
  config: Config;
  db: Kysely<Database>;
  close(): Promise<void>;
}

export async function startPropertyApp(engine: EngineName): Promise<PropertyApp> {
  const db = await openTestDatabase(engine);
  const config = loadConfig({
    DATA_DIR: '/nonexistent-unused',
    DRAWBRIDGE_SECRET: 'test-secret-test-secret-test-secret-0000',
    DRAWBRIDGE_ADMIN_KEY: ADMIN_KEY,
    BASE_URL: 'http://drawbridge.test',
    NODE_ENV: 'test',
    // Property runs post hundreds of bodies to the ACS, and call every other sign-in route
    // hundreds of times, from one address; the limits have their own tests.
    SAML_ACS_RATE_LIMIT_PER_MINUTE: '1000000',
    OIDC_CALLBACK_RATE_LIMIT_PER_MINUTE: '1000000',
    SSO_LOGIN_START_RATE_LIMIT_PER_MINUTE: '1000000',
    CUSTOM_SIGN_IN_RATE_LIMIT_PER_MINUTE: '1000000',
    // Likewise for failed password sign-ins (the delays have their own tests), and domain
    // verification asks a closed loopback port, never the network.
    LOGIN_FREE_FAILURES_PER_ACCOUNT: '100',
    LOGIN_FREE_FAILURES_PER_IP: '100000',
    DNS_RESOLVERS: '127.0.0.1:9',
  });
  const store = createStore(db.handle);
  const app = await buildApp({
    config,
    store,
    box: testBox(),
    logger: pino({ level: 'silent' }),
    ping: () => ping(db.handle),
  });
  return {
    engine,
    app,
    store,
    config,
    db: db.handle.db,
    async close() {
      await app.close();
      await db.close();
    },
  };
}
