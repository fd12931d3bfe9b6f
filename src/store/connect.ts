/** Opens the configured database (embedded SQLite or PostgreSQL) and runs migrations. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import pg from 'pg';
import { registerHotExecutor } from './hot-query.ts';
import { migrationProvider } from './migrations/index.ts';
import type { Database } from './schema.ts';
import { openSqlite } from './sqlite-driver.ts';

export type Engine = 'sqlite' | 'postgres';

export interface DatabaseHandle {
  db: Kysely<Database>;
  engine: Engine;
  /** Where the data is, without credentials (for logs). */
  location: string;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  DATABASE_URL?: string | undefined;
  DATA_DIR: string;
  DATABASE_POOL_SIZE?: number;
  /** Told about errors of idle PostgreSQL connections (logged by the server). */
  onPoolError?: (err: Error) => void;
}

// BIGINT (int8) columns hold epoch milliseconds, well inside Number's exact range.
const pgTypes = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text'),
};

export function openDatabase(options: DatabaseOptions): DatabaseHandle {
  if (options.DATABASE_URL) {
    const pool = new pg.Pool({
      connectionString: options.DATABASE_URL,
      max: options.DATABASE_POOL_SIZE ?? 10,
      types: pgTypes,
    });
    // An idle connection that the server ends (restart, failover) emits 'error' on the pool;
    // unhandled, that would stop the process. The pool replaces the connection by itself.
    pool.on('error', (err) => {
      options.onPoolError?.(err);
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    // Hot reads as named prepared statements: parsed and planned once per connection, not on
    // every call (pg keeps track of which connection has prepared which name). The session
    // check names its columns, so a column added by a later migration does not invalidate it.
    registerHotExecutor(db, {
      read: async (name, text, values) => {
        try {
          return (await pool.query({ name, text, values })).rows;
        } catch (err) {
          // A prepared `select *` whose table another instance's migration changed: PostgreSQL
          // refuses to reuse it ("cached plan must not change result type"). Run it unnamed.
          if ((err as { code?: string }).code !== '0A000') throw err;
          return (await pool.query({ text, values })).rows;
        }
      },
    });
    const url = new URL(options.DATABASE_URL);
    return {
      db,
      engine: 'postgres',
      location: `postgres://${url.host}${url.pathname}`,
      close: () => db.destroy(),
    };
  }
  mkdirSync(options.DATA_DIR, { recursive: true });
  const file = join(options.DATA_DIR, 'drawbridge.db');
  const sqlite = openSqlite(file);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite.database }) });
  registerHotExecutor(db, sqlite.hot);
  return { db, engine: 'sqlite', location: file, close: () => db.destroy() };
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/** Brings the schema up to date; safe to run from several instances at once on PostgreSQL. */
export async function migrate(handle: DatabaseHandle): Promise<string[]> {
  // Kysely's migrator takes a lock table (and an advisory lock on PostgreSQL) itself.
  const migrator = new Migrator({ db: handle.db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw new MigrationError(`migration failed: ${(error as Error).message ?? String(error)}`);
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** A cheap round trip, used by /readyz. */
export async function ping(handle: DatabaseHandle): Promise<void> {
  await sql`select 1`.execute(handle.db);
}
