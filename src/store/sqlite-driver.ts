/**
 * Adapts Node's built-in `node:sqlite` to Kysely's SqliteDialect, which expects the
 * better-sqlite3 statement shape (`reader`, array parameters). No native build needed.
 */
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import type { SqliteDatabase, SqliteStatement } from 'kysely';
import type { HotExecutor } from './hot-query.ts';

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

// SQLite's built-in lower() folds ASCII only; PostgreSQL's folds all of Unicode. Case-insensitive
// search (users.listInOrganisation) must find 'Émile' for 'émile' on both engines.
function addUnicodeLower(db: DatabaseSync): void {
  db.function('lower', { deterministic: true }, (v) => (typeof v === 'string' ? v.toLowerCase() : v));
}

/**
 * Hot queries run synchronously on a connection, without Kysely's executor and its connection
 * mutex. Inside a transaction (open on the main connection: Kysely gives it to one transaction
 * at a time) they run there, reads and writes alike.
 *
 * Hot reads (the session check, a login's configuration) outside transactions run on a connection,
 * without Kysely's executor and its connection mutex. Normally that is the main connection:
 * between transactions it holds exactly the committed state, and its page cache stays warm
 * (another connection's cache is dropped after every write of the main one). While a transaction
 * is open on it (a group commit awaiting), a read there would see uncommitted writes, so the read
 * goes to a second, read-only connection, which in WAL mode sees the last committed state.
 */
function hotReads(
  main: DatabaseSync,
  path: string,
  mainStatement: (sql: string) => SqliteStatement,
): HotExecutor & { close(): void } {
  let reader: DatabaseSync | undefined;
  const statements = new Map<DatabaseSync, Map<string, StatementSync>>();
  const prepared = (db: DatabaseSync, sql: string): StatementSync => {
    let forDb = statements.get(db);
    if (!forDb) {
      forDb = new Map();
      statements.set(db, forDb);
    }
    let statement = forDb.get(sql);
    if (!statement) {
      // Hot queries are a handful of fixed texts: the map stays small.
      statement = db.prepare(sql);
      forDb.set(sql, statement);
    }
    return statement;
  };
  return {
    read: (_name, sql, parameters) => {
      let db = main;
      if (main.isTransaction) {
        // Opened on first use, after the main connection has created the file and set WAL.
        if (!reader) {
          reader = new DatabaseSync(path, { readOnly: true });
          reader.exec('PRAGMA busy_timeout = 5000');
          addUnicodeLower(reader);
        }
        db = reader;
      }
      return prepared(db, sql).all(...(parameters as SQLInputValue[]));
    },
    inTransaction: (sql, parameters) => {
      if (!main.isTransaction) return undefined;
      // The statement Kysely itself would run, answered as its SQLite driver does: rows for a
      // statement with columns (RETURNING included, no count), else the count of changed rows.
      const statement = mainStatement(sql);
      if (statement.reader) return { rows: statement.all(parameters) as unknown[], affected: 0 };
      return { rows: [], affected: Number(statement.run(parameters).changes) };
    },
    close: () => {
      statements.clear();
      reader?.close();
      reader = undefined;
    },
  };
}

export interface OpenedSqlite {
  /** For Kysely's SqliteDialect: every query and transaction. */
  database: SqliteDatabase;
  /** For hot reads outside transactions (see hot-query.ts). */
  hot: HotExecutor;
}

/** Opens `path` with WAL, full fsync and foreign keys, for Kysely and for hot reads. */
export function openSqlite(path: string): OpenedSqlite {
  const db = new DatabaseSync(path);
  // WAL lets readers run beside a writer; synchronous=FULL makes an acknowledged commit
  // survive a crash of the process or the machine; busy_timeout covers a second process
  // (the CLI) writing at the same time as the server.
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = FULL');
  db.exec('PRAGMA foreign_keys = ON');
  db.exec('PRAGMA busy_timeout = 5000');
  addUnicodeLower(db);
  // Kysely prepares every query anew; the same few dozen SQL texts recur on every request,
  // so prepared statements are kept (bounded, least recently used dropped first).
  const cache = new Map<string, SqliteStatement>();
  const prepare = (sql: string): SqliteStatement => {
    let statement = cache.get(sql);
    if (statement) {
      cache.delete(sql);
    } else {
      statement = adaptStatement(db.prepare(sql));
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    }
    cache.set(sql, statement);
    return statement;
  };
  const hot = hotReads(db, path, prepare);
  const database: SqliteDatabase = {
    close: () => {
      cache.clear();
      hot.close();
      db.close();
    },
    prepare,
  };
  return { database, hot };
}
