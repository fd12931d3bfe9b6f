/**
 * Queries on the hot path of every request (the session check, /auth/me) are built and
 * compiled by Kysely once and then only executed: building a query costs more than running
 * it on SQLite. Parameters are passed by position, and the positions are proven at compile
 * time by building the query with sentinel values.
 */
import { type Compilable, CompiledQuery, type Kysely } from 'kysely';
import type { Database } from './schema.ts';

export type HotQuery<R> = (...args: unknown[]) => Promise<R[]>;

export function hotQuery<R>(
  db: Kysely<Database>,
  arity: number,
  build: (param: (i: number) => string) => Compilable<R>,
): HotQuery<R> {
  let compiled: { sql: string; order: number[] } | undefined;
  return async (...args) => {
    if (!compiled) {
      const sentinels = Array.from({ length: arity }, (_, i) => `\u0001hot-param-${i}\u0001`);
      const query = build((i) => sentinels[i]!).compile();
      const order = query.parameters.map((v) => sentinels.indexOf(v as string));
      // Every bound value must come from `args`; a literal bound by Kysely would be frozen in.
      if (order.some((i) => i < 0)) throw new Error('hot query binds a value that is not a parameter');
      compiled = { sql: query.sql, order };
    }
    const { sql, order } = compiled;
    const result = await db.executeQuery<R>(
      CompiledQuery.raw(
        sql,
        order.map((i) => args[i]),
      ),
    );
    return result.rows;
  };
}
