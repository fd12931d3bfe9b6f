/**
 * Adapts Node's built-in `node:sqlite` to Kysely's SqliteDialect, which expects the
 * better-sqlite3 statement shape (`reader`, array parameters). No native build needed.
 */
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

function adaptStatement(statement: StatementSync): SqliteStatement {
  const params = (p: ReadonlyArray<unknown>) => p as SQLInputValue[];
  return {
    // A statement that yields columns is a query; Kysely then calls all() instead of run().
    reader: statement.columns().length > 0,
    all: (p) => statement.all(...params(p)),
    run: (p) => {
      const r = statement.run(...params(p));
      return { changes: r.changes, lastInsertRowid: r.lastInsertRowid };
    },
    iterate: (p) => statement.iterate(...params(p)) as IterableIterator<unknown>,
  };
}

const STATEMENT_CACHE_SIZE = 256;

/** Opens `path` with WAL, full fsync and foreign keys, and returns a Kysely-shaped handle. */
export function openSqlite(path: string): SqliteDatabase {
  const db = new DatabaseSync(path);
  // WAL lets readers run beside a writer; synchronous=FULL makes an acknowledged commit
  // survive a crash of the process or the machine; busy_timeout covers a second process
  // (the CLI) writing at the same time as the server.
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = FULL');
  db.exec('PRAGMA foreign_keys = ON');
  db.exec('PRAGMA busy_timeout = 5000');
  // SQLite's built-in lower() folds ASCII only; PostgreSQL's folds all of Unicode. Case-insensitive
  // search (users.listInOrganisation) must find 'Émile' for 'émile' on both engines.
  db.function('lower', { deterministic: true }, (v) => (typeof v === 'string' ? v.toLowerCase() : v));
  // Kysely prepares every query anew; the same few dozen SQL texts recur on every request,
  // so prepared statements are kept (bounded, least recently used dropped first).
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => {
      cache.clear();
      db.close();
    },
    prepare: (sql) => {
      let statement = cache.get(sql);
      if (statement) {
        cache.delete(sql);
      } else {
        statement = adaptStatement(db.prepare(sql));
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, statement);
      return statement;
    },
  };
}
