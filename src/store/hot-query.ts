/**
 * Queries on the hot path of every request (the session check, /auth/me) are built and
 * compiled by Kysely once and then only executed: building a query costs more than running
 * it on SQLite. Parameters are passed by position, and the positions are proven at compile
 * time by building the query with sentinel values.
 *
 * Outside a transaction, a compiled hot query skips Kysely's executor and runs on the
 * engine's own fast path (a HotExecutor registered for the database by connect.ts): on
 * SQLite a read-only connection with prepared statements, on PostgreSQL a named prepared
 * statement, which the server parses and plans once per connection instead of on every call.
 * Inside a transaction it runs in the transaction, so it sees the transaction's writes: on
 * SQLite directly on the connection the transaction is open on, elsewhere through Kysely.
 */
import { createHash } from 'node:crypto';
import { type Compilable, CompiledQuery, type Kysely } from 'kysely';
import type { Database } from './schema.ts';

export type HotQuery<R> = (...args: unknown[]) => Promise<R[]>;

/** Runs a compiled read (only committed data; never inside a transaction). */
export interface HotExecutor {
  /** `name` is stable for a given `sql` text (a prepared statement's name). */
  read(name: string, sql: string, parameters: unknown[]): Promise<unknown[]> | unknown[];
  /**
   * Runs a compiled statement inside the transaction that is open on the engine's only
   * connection, synchronously, without Kysely's executor (its connection provider and promise
   * chain cost more than a small statement on SQLite); `undefined` when no transaction is open
   * there, and the statement then goes through Kysely. Only for engines with one connection
   * (SQLite), where the transaction open on it is the caller's: Kysely hands that connection to
   * one transaction at a time.
   */
  inTransaction?(sql: string, parameters: unknown[]): { rows: unknown[]; affected: number } | undefined;
}

const executors = new WeakMap<object, HotExecutor>();
/** The same executors by dialect adapter, which a database shares with its transactions. */
const transactionExecutors = new WeakMap<object, HotExecutor>();

/** Hot queries built on `db` itself (not on its transactions) run on `executor`. */
export function registerHotExecutor(db: Kysely<Database>, executor: HotExecutor): void {
  executors.set(db, executor);
  if (executor.inTransaction) transactionExecutors.set(db.getExecutor().adapter, executor);
}

/** Inside a transaction, the engine's direct path when it has one and the transaction is open there. */
function directInTransaction(db: Kysely<Database>, sql: string, parameters: unknown[]) {
  return transactionExecutors.get(db.getExecutor().adapter)?.inTransaction?.(sql, parameters);
}

interface Compiled {
  sql: string;
  name: string;
  order: number[];
}

// Compiled forms shared by every repository instance of a database and of its transactions
// (they have the same dialect adapter): a transaction's repositories are created anew each time.
const shared = new WeakMap<object, Map<string, Compiled>>();

function compile(arity: number, build: (param: (i: number) => string) => Compilable<unknown>): Compiled {
  const sentinels = Array.from({ length: arity }, (_, i) => `\u0001hot-param-${i}\u0001`);
  const query = build((i) => sentinels[i]!).compile();
  const order = query.parameters.map((v) => sentinels.indexOf(v as string));
  // Every bound value must come from `args`; a literal bound by Kysely would be frozen in.
  if (order.some((i) => i < 0)) throw new Error('hot query binds a value that is not a parameter');
  // Derived from the text: one name always means one statement, on every connection.
  const name = `hot_${createHash('sha256').update(query.sql).digest('hex').slice(0, 24)}`;
  return { sql: query.sql, name, order };
}

/**
 * The compiled query, built on first use. With `key` (unique per query, e.g. 'users.get'), the
 * compiled form is shared with every other repository instance on the same dialect.
 */
function compiledOnce(
  db: Kysely<Database>,
  arity: number,
  build: (param: (i: number) => string) => Compilable<unknown>,
  key: string | undefined,
): () => Compiled {
  let compiled: Compiled | undefined;
  return () => {
    if (compiled) return compiled;
    if (key === undefined) {
      compiled = compile(arity, build);
      return compiled;
    }
    const adapter = db.getExecutor().adapter;
    let byKey = shared.get(adapter);
    if (!byKey) {
      byKey = new Map();
      shared.set(adapter, byKey);
    }
    compiled = byKey.get(key) ?? compile(arity, build);
    byKey.set(key, compiled);
    return compiled;
  };
}

/** A precompiled read; outside a transaction it runs on the engine's fast path. */
export function hotQuery<R>(
  db: Kysely<Database>,
  arity: number,
  build: (param: (i: number) => string) => Compilable<R>,
  key?: string,
): HotQuery<R> {
  const compiled = compiledOnce(db, arity, build, key);
  return async (...args) => {
    const { sql, name, order } = compiled();
    const parameters = order.map((i) => args[i]);
    if (db.isTransaction) {
      const direct = directInTransaction(db, sql, parameters);
      if (direct) return direct.rows as R[];
    } else {
      const executor = executors.get(db);
      if (executor) return (await executor.read(name, sql, parameters)) as R[];
    }
    const result = await db.executeQuery<R>(CompiledQuery.raw(sql, parameters));
    return result.rows;
  };
}

/** A precompiled write (or read-and-write), always through Kysely; answers the affected rows too. */
export function hotStatement<R = unknown>(
  db: Kysely<Database>,
  arity: number,
  build: (param: (i: number) => string) => Compilable<R>,
  key: string,
): (...args: unknown[]) => Promise<{ rows: R[]; affected: number }> {
  const compiled = compiledOnce(db, arity, build, key);
  return async (...args) => {
    const { sql, order } = compiled();
    const parameters = order.map((i) => args[i]);
    if (db.isTransaction) {
      const direct = directInTransaction(db, sql, parameters);
      if (direct) return direct as { rows: R[]; affected: number };
    }
    const result = await db.executeQuery<R>(CompiledQuery.raw(sql, parameters));
    return { rows: result.rows, affected: Number(result.numAffectedRows ?? 0n) };
  };
}
