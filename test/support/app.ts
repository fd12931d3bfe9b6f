/** A real app over a real database for API tests (inject, no port), with a known admin key. */
import type { Kysely } from 'kysely';
import pino from 'pino';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { createSecretBox, type SecretBox } from '../../src/credentials/secret-box.ts';
import { type AppDeps, buildApp } from '../../src/http/app.ts';
import type { App } from '../../src/http/context.ts';
import { ping } from '../../src/store/connect.ts';
import type { Database } from '../../src/store/schema.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import { type EngineName, openTestDatabase } from './databases.ts';

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';

export interface TestApp {
  app: App;
  store: Store;
  config: Config;
  box: SecretBox;
  /** The database itself, for assertions on every table (test/properties/database-snapshot.ts#snapshot). */
  db: Kysely<Database>;
  /** Headers of the instance admin (DRAWBRIDGE_ADMIN_KEY). */
  admin: { authorization: string };
  close(): Promise<void>;
}

/** The secret box every test app uses (DRAWBRIDGE_SECRET of testConfig). */
export function testBox(): SecretBox {
  return createSecretBox(TEST_SECRET);
}

const TEST_SECRET = 'test-secret-test-secret-test-secret-0000';

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    DATA_DIR: '/nonexistent-unused',
    DRAWBRIDGE_SECRET: TEST_SECRET,
    DRAWBRIDGE_ADMIN_KEY: ADMIN_KEY,
    BASE_URL: 'http://drawbridge.test',
    NODE_ENV: 'test',
    ...env,
  });
}

export async function startTestApp(
  engine: EngineName = 'sqlite',
  env: Record<string, string> = {},
  deps: Pick<AppDeps, 'idpTransport' | 'logger'> = {},
): Promise<TestApp> {
  const db = await openTestDatabase(engine);
  const config = testConfig(env);
  const store = createStore(db.handle);
  const box = testBox();
  const app = await buildApp({
    config,
    store,
    box,
    logger: pino({ level: 'silent' }),
    ping: () => ping(db.handle),
    ...deps,
  });
  return {
    app,
    store,
    config,
    box,
    db: db.handle.db,
    admin: { authorization: `Api-Key ${ADMIN_KEY}` },
    async close() {
      await app.close();
      await db.close();
    },
  };
}
