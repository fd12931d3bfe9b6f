/**
 * Group commit (src/store/group-commit.ts): transactions started together on SQLite share one
 * commit, each in its own savepoint. What must hold is what held with one commit each: all of a
 * transaction's writes or none, in order, and no answer before the data is committed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.ts';
import { ENGINES } from '../support/databases.ts';
import { expectStoreError, openTestStore, type StoreUnderTest, unique } from './helpers.ts';

describe.each(ENGINES)('transactions started together (%s)', (engine) => {
  let t: StoreUnderTest;
  let store: Store;
  beforeAll(async () => {
    t = await openTestStore(engine);
    store = t.store;
  });
  afterAll(() => t.close());

  it('keeps every write of the ones that succeed and none of the one that fails', async () => {
    const taken = unique('gc-taken');
    await store.organisations.create({ name: 'Already there', slug: taken });
    const [a, b, c] = [unique('gc-a'), unique('gc-b'), unique('gc-c')];
    const failed = `${unique('gc-failed')}@x.test`;
    const outcomes = await Promise.allSettled([
      store.transaction((tx) => tx.organisations.create({ name: 'A', slug: a })),
      store.transaction(async (tx) => {
        await tx.users.create({ email: failed });
        await tx.organisations.create({ name: 'Clash', slug: taken });
      }),
      store.transaction((tx) => tx.organisations.create({ name: 'B', slug: b })),
      store.transaction(async () => {
        throw new Error('boom');
      }),
      store.transaction((tx) => tx.organisations.create({ name: 'C', slug: c })),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    await expectStoreError(Promise.reject((outcomes[1] as PromiseRejectedResult).reason), 'conflict');
    expect(((outcomes[3] as PromiseRejectedResult).reason as Error).message).toBe('boom');
    for (const slug of [a, b, c]) expect(await store.organisations.getBySlug(slug)).toBeDefined();
    expect(await store.users.getByEmail(failed)).toBeUndefined();
    expect((await store.organisations.getBySlug(taken))?.name).toBe('Already there');
  });

  it('answers only once the data is readable outside the transaction (committed)', async () => {
    const slugs = [unique('gc-c1'), unique('gc-c2'), unique('gc-c3')];
    await Promise.all(
      slugs.map(async (slug) => {
        await store.transaction((tx) => tx.organisations.create({ name: 'Committed', slug }));
        expect(await store.organisations.getBySlug(slug)).toBeDefined();
      }),
    );
  });
});

// SQLite only: on PostgreSQL transactions run side by side on their own connections.
describe('transactions started together on SQLite', () => {
  let t: StoreUnderTest;
  beforeAll(async () => {
    t = await openTestStore('sqlite');
  });
  afterAll(() => t.close());

  it('lets each see the writes of the ones before it, as if they had committed in turn', async () => {
    const slug = unique('gc-order');
    const [created, seen] = await Promise.all([
      t.store.transaction((tx) => tx.organisations.create({ name: 'First', slug })),
      t.store.transaction((tx) => tx.organisations.getBySlug(slug)),
    ]);
    expect(seen?.id).toBe(created.id);
  });
});
