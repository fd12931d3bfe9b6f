import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/store/connect.ts';
import { hotQuery } from '../../src/store/hot-query.ts';
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
});
