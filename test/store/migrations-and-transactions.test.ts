import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, migrate, openDatabase } from '../../src/store/connect.ts';
import { StoreError } from '../../src/store/errors.ts';
import { migrationProvider } from '../../src/store/migrations/index.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import { createTestDatabase, ENGINES, openTestDatabase } from '../support/databases.ts';
import { expectStoreError, unique } from './helpers.ts';

describe.each(ENGINES)('Store.transaction (%s)', (engine) => {
  let close: () => Promise<void>;
  let store: Store;
  beforeAll(async () => {
    const db = await openTestDatabase(engine);
    close = db.close;
    store = createStore(db.handle);
  });
  afterAll(() => close());

  it('commits every write of a transaction that completes and returns its result', async () => {
    const slug = unique('tx-ok');
    const email = `${unique('tx-ok')}@x.test`;
    const result = await store.transaction(async (repos) => {
      const org = await repos.organisations.create({ name: 'Committed', slug });
      const user = await repos.users.create({ email });
      await repos.memberships.add(user.id, org.id, 'admin');
      return { orgId: org.id, userId: user.id };
    });
    expect(await store.organisations.getBySlug(slug)).toMatchObject({ id: result.orgId });
    expect(await store.users.getByEmail(email)).toMatchObject({ id: result.userId });
    expect(await store.memberships.get(result.userId, result.orgId)).toMatchObject({ role: 'admin' });
  });

  it('leaves neither of two writes behind when the work throws afterwards, and rethrows the error', async () => {
    const slug = unique('tx-fail');
    const email = `${unique('tx-fail')}@x.test`;
    const boom = new Error('boom after two writes');
    await expect(
      store.transaction(async (repos) => {
        await repos.organisations.create({ name: 'Rolled back', slug });
        await repos.users.create({ email });
        // Both writes are visible inside the transaction before it fails.
        expect(await repos.organisations.getBySlug(slug)).toBeDefined();
        expect(await repos.users.getByEmail(email)).toBeDefined();
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await store.organisations.getBySlug(slug)).toBeUndefined();
    expect(await store.users.getByEmail(email)).toBeUndefined();
  });

  it('rolls back an earlier write when a later write fails with a conflict, surfacing the StoreError', async () => {
    const takenSlug = unique('tx-taken');
    await store.organisations.create({ name: 'Already there', slug: takenSlug });
    const email = `${unique('tx-conflict')}@x.test`;
    await expectStoreError(
      store.transaction(async (repos) => {
        await repos.users.create({ email });
        await repos.organisations.create({ name: 'Clash', slug: takenSlug });
      }),
      'conflict',
    );
    expect(await store.users.getByEmail(email)).toBeUndefined();
    expect((await store.organisations.getBySlug(takenSlug))?.name).toBe('Already there');
  });

  it("gives each transaction its own repositories, every one reachable and the same object on each use, working on the transaction's writes", async () => {
    const names = Object.keys(store).filter((k) => k !== 'engine' && k !== 'transaction');
    const slug = unique('tx-repos');
    const seen = await store.transaction(async (tx) => {
      for (const name of names) {
        const repository = (tx as unknown as Record<string, unknown>)[name];
        expect(repository, name).toBeTypeOf('object');
        expect((tx as unknown as Record<string, unknown>)[name], name).toBe(repository);
      }
      const org = await tx.organisations.create({ name: 'Inside', slug });
      // Another repository of the same transaction sees the first one's write.
      const group = await tx.groups.create(org.id, { name: 'Inside group' });
      return { tx, org, group };
    });
    const other = await store.transaction(async (tx) => tx);
    expect(other).not.toBe(seen.tx);
    expect(other.organisations).not.toBe(seen.tx.organisations);
    expect(await store.groups.get(seen.org.id, seen.group.id)).toEqual(seen.group);
  });

  it('restores deleted rows when the transaction that deleted them fails', async () => {
    const org = await store.organisations.create({ name: 'Survivor', slug: unique('tx-survivor') });
    const user = await store.users.create({ email: `${unique('tx-survivor')}@x.test` });
    await store.memberships.add(user.id, org.id, 'member');
    const group = await store.groups.create(org.id, { name: 'Kept' });
    await store.groups.addMember(group.id, user.id, 'manual');

    const failure = await store
      .transaction(async (repos) => {
        expect(await repos.memberships.remove(user.id, org.id)).toBe(true);
        expect(await repos.organisations.delete(org.id)).toBe(true);
        throw new Error('abort');
      })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(StoreError);

    expect(await store.organisations.get(org.id)).toEqual(org);
    expect(await store.memberships.get(user.id, org.id)).toMatchObject({ role: 'member' });
    expect(await store.groups.listMembers(group.id)).toEqual([expect.objectContaining({ userId: user.id })]);
  });
});

describe.each(ENGINES)('migrations (%s)', (engine) => {
  it('applies every migration to an empty database, and nothing when run again, keeping data', async () => {
    const testDb = await createTestDatabase(engine);
    let handle: DatabaseHandle | undefined = openDatabase(testDb.env);
    try {
      // Every migration of the list, in order (each feature adds its own; these must be among them).
      const names = Object.keys(await migrationProvider.getMigrations()).sort();
      expect(names).toEqual(expect.arrayContaining(['0001-initial', '0002-sso', '0004-password-accounts']));
      expect(await migrate(handle)).toEqual(names);
      const store = createStore(handle);
      const org = await store.organisations.create({ name: 'Persisted', slug: unique('mig') });
      const user = await store.users.create({ email: `${unique('mig')}@x.test`, attributes: { kept: true } });
      await store.memberships.add(user.id, org.id, 'admin');
      await store.settings.set('migration-test', 'still-here');

      expect(await migrate(handle)).toEqual([]);
      expect(await store.organisations.get(org.id)).toEqual(org);
      expect(await store.users.get(user.id)).toEqual(user);

      // A restart against the same database: nothing to migrate, everything still there.
      await handle.close();
      handle = openDatabase(testDb.env);
      expect(await migrate(handle)).toEqual([]);
      const reopened = createStore(handle);
      expect(await reopened.organisations.get(org.id)).toEqual(org);
      expect(await reopened.users.get(user.id)).toEqual(user);
      expect(await reopened.memberships.get(user.id, org.id)).toMatchObject({ role: 'admin' });
      expect(await reopened.settings.get('migration-test')).toBe('still-here');
    } finally {
      await handle?.close();
      await testDb.drop();
    }
  });

  it('applies nothing to a database openTestDatabase already migrated', async () => {
    const db = await openTestDatabase(engine);
    try {
      const store = createStore(db.handle);
      const org = await store.organisations.create({ name: 'Before', slug: unique('premigrated') });
      expect(await migrate(db.handle)).toEqual([]);
      expect(await store.organisations.get(org.id)).toEqual(org);
    } finally {
      await db.close();
    }
  });
});
