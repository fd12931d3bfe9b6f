/**
 * Real databases for tests: a SQLite file in a fresh temporary directory, or a throwaway
 * PostgreSQL database on 127.0.0.1:5432 (created per use, dropped afterwards).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type DatabaseHandle, migrate, openDatabase } from '../../src/store/connect.ts';

export const POSTGRES_ADMIN_URL =
  process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export type EngineName = 'sqlite' | 'postgres';
export const ENGINES: EngineName[] = ['sqlite', 'postgres'];

export interface TestDatabase {
  /** Settings for openDatabase / the server's environment. */
  env: { DATA_DIR: string; DATABASE_URL?: string };
  drop(): Promise<void>;
}

export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `drawbridge_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

export async function createTestDatabase(engine: EngineName): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'drawbridge-test-'));
  const removeDir = () => rmSync(dataDir, { recursive: true, force: true });
  if (engine === 'sqlite') {
    return { env: { DATA_DIR: dataDir }, drop: async () => removeDir() };
  }
  const pgdb = await createPostgresDatabase();
  return {
    env: { DATA_DIR: dataDir, DATABASE_URL: pgdb.url },
    drop: async () => {
      await pgdb.drop();
      removeDir();
    },
  };
}

/** An opened and migrated database; `close` closes and drops it. */
export async function openTestDatabase(
  engine: EngineName,
): Promise<{ handle: DatabaseHandle; close(): Promise<void> }> {
  const db = await createTestDatabase(engine);
  const handle = openDatabase(db.env);
  await migrate(handle);
  return {
    handle,
    async close() {
      await handle.close();
      await db.drop();
    },
  };
}
