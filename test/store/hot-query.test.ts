import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/store/connect.ts';
import { hotQuery, hotStatement } from '../../src/store/hot-query.ts';
import { openSqlite } from '../../src/store/sqlite-driver.ts';
import { ENGINES, openTestDatabase } from '../support/databases.ts';

describe.each(ENGINES)('precompiled hot queries (%s)', (engine) => {
  let handle: DatabaseHandle;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const db = await openTestDatabase(engine);
    handle = db.handle;
    close = db.close;
    await handle.db
      .insertInto('settings')
      .values([
        { key: 'a', value: '1', updated_at: 1 },
        { key: 'b', value: '2', updated_at: 2 },
      ])
      .execute();
  });
  afterAll(() => close());

  it("binds each call's arguments by position, whatever order the query uses them in", async () => {
    const q = hotQuery(handle.db, 2, (p) =>
      handle.db
        .selectFrom('settings')
        .select('key')
        .where('updated_at', '>', p(1) as unknown as number)
        .where('key', '!=', p(0))
        .orderBy('key'),
    );
    expect((await q('a', 0)).map((r) => r.key)).toEqual(['b']);
    expect((await q('b', 0)).map((r) => r.key)).toEqual(['a']);
    expect((await q('x', 1)).map((r) => r.key)).toEqual(['b']);
  });

  it('refuses a query that binds a value that is not a parameter (it would be frozen in)', async () => {
    const q = hotQuery(handle.db, 1, (p) =>
      handle.db.selectFrom('settings').select('key').where('key', '=', p(0)).where('updated_at', '>', 0),
    );
    await expect(q('a')).rejects.toThrow(/not a parameter/);
    const literal = hotQuery(handle.db, 1, (p) =>
      handle.db.selectFrom('settings').select('key').where('key', '=', p(0)).limit(sql.lit(1)),
    );
    expect(await literal('a')).toEqual([{ key: 'a' }]);
  });

  it("inside a transaction, sees the transaction's own writes, and its writes go with the transaction's fate", async () => {
    const read = (db: typeof handle.db) =>
      hotQuery(db, 1, (p) => db.selectFrom('settings').select('value').where('key', '=', p(0)), 'test.read');
    const write = (db: typeof handle.db) =>
      hotStatement(
        db,
        3,
        (p) =>
          db.insertInto('settings').values({ key: p(0), value: p(1), updated_at: p(2) as unknown as number }),
        'test.write',
      );
    const remove = (db: typeof handle.db) =>
      hotStatement(
        db,
        1,
        (p) => db.deleteFrom('settings').where('key', '=', p(0)).returning('value'),
        'test.remove',
      );
    // Committed: the read inside saw the write inside; the count and RETURNING rows are right.
    const inside = await handle.db.transaction().execute(async (trx) => {
      const written = await write(trx)('c', '3', 3);
      return { written, seen: await read(trx)('c'), removed: await remove(trx)('b') };
    });
    expect(inside.written.affected).toBe(1);
    expect(inside.seen).toEqual([{ value: '3' }]);
    expect(inside.removed.rows).toEqual([{ value: '2' }]);
    expect(await read(handle.db)('c')).toEqual([{ value: '3' }]);
    expect(await read(handle.db)('b')).toEqual([]);
    // Rolled back: neither the write nor the delete of a failing transaction stays.
    const boom = new Error('after two hot writes');
    await expect(
      handle.db.transaction().execute(async (trx) => {
        await write(trx)('d', '4', 4);
        await remove(trx)('a');
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await read(handle.db)('d')).toEqual([]);
    expect(await read(handle.db)('a')).toEqual([{ value: '1' }]);
  });
});

describe('hot statements inside a SQLite transaction run on its connection directly', () => {
  it('answers only while a transaction is open on the connection, with the rows or the count Kysely would give', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hot-direct-'));
    const opened = openSqlite(join(dir, 'x.db'));
    const main = opened.database;
    try {
      const exec = (text: string) => main.prepare(text).run([]);
      exec('create table t (k text primary key, v text)');
      const inTransaction = opened.hot.inTransaction!;
      expect(inTransaction('insert into t values (?, ?)', ['a', '1'])).toBeUndefined();
      exec('begin');
      expect(inTransaction('insert into t values (?, ?)', ['a', '1'])).toEqual({ rows: [], affected: 1 });
      expect(inTransaction('update t set v = ? where k = ?', ['2', 'nobody'])).toEqual({
        rows: [],
        affected: 0,
      });
      expect(inTransaction('delete from t where k = ? returning v', ['a'])).toEqual({
        rows: [{ v: '1' }],
        affected: 0,
      });
      exec('rollback');
      expect(main.prepare('select count(*) as n from t').all([])).toEqual([{ n: 0 }]);
    } finally {
      main.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
