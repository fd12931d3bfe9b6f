/** Shared set-up for the repository tests: one migrated database per describe block, unique names. */
import { randomBytes } from 'node:crypto';
import { Migrator } from 'kysely/migration';
import { afterAll, afterEach, beforeAll, expect, vi } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/store/connect.ts';
import { StoreError, type StoreErrorCode } from '../../src/store/errors.ts';
import { migrationProvider } from '../../src/store/migrations/index.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import { createTestDatabase, type EngineName, openTestDatabase } from '../support/databases.ts';

export interface StoreUnderTest {
  store: Store;
  close(): Promise<void>;
}

export async function openTestStore(engine: EngineName): Promise<StoreUnderTest> {
  const db = await openTestDatabase(engine);
  return { store: createStore(db.handle), close: () => db.close() };
}

/**
 * For migration tests: `at(engine, target)` opens a fresh database migrated up to `target` only
 * (the real migrator); it is closed and dropped after each test.
 */
export function databasesAtMigration(): { at(engine: EngineName, target: string): Promise<DatabaseHandle> } {
  let open: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of open) await close();
    open = [];
  });
  return {
    async at(engine, target) {
      const db = await createTestDatabase(engine);
      const handle = openDatabase(db.env);
      open.push(async () => {
        await handle.close();
        await db.drop();
      });
      const { error } = await new Migrator({ db: handle.db, provider: migrationProvider }).migrateTo(target);
      if (error) throw error;
      return handle;
    },
  };
}

/**
 * A migrated database for the enclosing describe block: opened before its tests (handed to
 * `use`), closed and dropped after them.
 */
export function withTestStore(engine: EngineName, use: (store: Store) => void): void {
  let opened: StoreUnderTest | undefined;
  beforeAll(async () => {
    opened = await openTestStore(engine);
    use(opened.store);
  });
  afterAll(() => opened?.close());
}

let counter = 0;

/** A lowercase token unique within this test process: slugs, email local parts, key ids. */
export function unique(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter.toString().padStart(4, '0')}-${randomBytes(3).toString('hex')}`;
}

/** Awaits `promise` and asserts that it rejected with a StoreError of `code`. */
export async function expectStoreError(promise: Promise<unknown>, code: StoreErrorCode): Promise<void> {
  const outcome = await promise.then(
    (value) => ({ rejected: false as const, value }),
    (error: unknown) => ({ rejected: true as const, error }),
  );
  expect(outcome.rejected, 'expected the store call to reject').toBe(true);
  if (!outcome.rejected) return;
  expect(outcome.error).toBeInstanceOf(StoreError);
  expect((outcome.error as StoreError).code).toBe(code);
}

/** Runs `work` with Date.now() pinned to `time`, for repositories that stamp rows themselves. */
export async function atTime<T>(time: number, work: () => Promise<T>): Promise<T> {
  const spy = vi.spyOn(Date, 'now').mockReturnValue(time);
  try {
    return await work();
  } finally {
    spy.mockRestore();
  }
}

/** An id no row has, for look-ups and references that must find nothing. */
export const MISSING_ID = '00000000-0000-0000-0000-000000000000';
