/**
 * Migration 0007: on SQLite the sign-in tables read by key become WITHOUT ROWID tables, with
 * every row, column, constraint and index kept; undone by its down(); atomic; nothing on
 * PostgreSQL. Real database files, the real migrator.
 */
import { sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { describe, expect, it } from 'vitest';
import { type DatabaseHandle, migrate } from '../../src/store/connect.ts';
import { CLUSTERED_TABLES } from '../../src/store/migrations/0007-clustered-sqlite-tables.ts';
import { migrationProvider } from '../../src/store/migrations/index.ts';
import { createStore } from '../../src/store/store.ts';
import { databasesAtMigration, unique } from './helpers.ts';

const BEFORE = '0006-saml-login-rules';

const databases = databasesAtMigration();
const databaseAt = databases.at;

/** One row in each of the five tables, written through the repositories of the older schema. */
async function fill(handle: DatabaseHandle): Promise<void> {
  const store = createStore(handle);
  const org = await store.organisations.create({ name: 'Clustered', slug: unique('clustered') });
  const user = await store.users.create({ email: `${unique('clustered')}@x.test` });
  await store.memberships.add(user.id, org.id, 'admin');
  const group = await store.groups.create(org.id, { name: 'Engineering' });
  await store.groups.addMember(group.id, user.id, 'sso');
  await store.externalIdentities.link(
    { connection: 'oidc:conn-1', subject: 'sub-1', userId: user.id, linkedBy: 'jit' },
    1_700_000_000_000,
  );
  await store.pendingLogins.create({
    id: 'state-1',
    protocol: 'oidc',
    configurationId: 'conn-1',
    browserHash: 'b'.repeat(64),
    returnTo: 'https://app.example/',
    data: { nonce: 'n' },
    createdAt: 1_700_000_000_000,
    expiresAt: 1_700_000_600_000,
  });
  await store.sessions.create({
    idHash: 'h'.repeat(64),
    userId: user.id,
    createdAt: 1_700_000_000_000,
    lastSeenAt: 1_700_000_000_000,
    idleExpiresAt: 1_700_003_600_000,
    absoluteExpiresAt: 1_700_086_400_000,
    ip: '203.0.113.9',
    userAgent: 'test',
    method: 'oidc',
  });
}

interface SchemaRow {
  type: string;
  name: string;
  sql: string | null;
}

async function schemaOf(handle: DatabaseHandle, table: string): Promise<SchemaRow[]> {
  const { rows } = await sql<SchemaRow>`
    select type, name, sql from sqlite_master where tbl_name = ${table} order by type, name`.execute(
    handle.db,
  );
  return rows;
}

async function contents(handle: DatabaseHandle): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of CLUSTERED_TABLES) {
    const { rows } = await sql.raw(`select * from "${table}" order by 1, 2`).execute(handle.db);
    out[table] = rows;
  }
  return out;
}

const withoutRowid = (s: string | null) => /\)\s*WITHOUT ROWID$/i.test(s ?? '');

describe('migration 0007: WITHOUT ROWID sign-in tables (sqlite)', () => {
  it('rebuilds each table without its rowid, keeping every row, column definition and index', async () => {
    const handle = await databaseAt('sqlite', BEFORE);
    await fill(handle);
    const before = await contents(handle);
    const schemaBefore = new Map<string, SchemaRow[]>();
    for (const t of CLUSTERED_TABLES) schemaBefore.set(t, await schemaOf(handle, t));

    expect((await migrate(handle))[0]).toBe('0007-clustered-sqlite-tables');

    expect(await contents(handle)).toEqual(before);
    for (const t of CLUSTERED_TABLES) {
      const now = await schemaOf(handle, t);
      const table = now.find((r) => r.type === 'table')!;
      expect(withoutRowid(table.sql), t).toBe(true);
      // The same definition apart from the storage clause; the same named indexes. The key's
      // own automatic index is gone: the table is that index now.
      const old = schemaBefore.get(t)!;
      expect(table.sql!.replace(/\s*WITHOUT ROWID$/i, '')).toBe(old.find((r) => r.type === 'table')!.sql);
      const named = (rows: SchemaRow[]) => rows.filter((r) => r.type === 'index' && r.sql !== null);
      expect(named(now)).toEqual(named(old));
      expect(now.some((r) => r.name.startsWith('sqlite_autoindex'))).toBe(false);
      expect(old.some((r) => r.name.startsWith('sqlite_autoindex'))).toBe(true);
    }
    const { rows: broken } = await sql`pragma foreign_key_check`.execute(handle.db);
    expect(broken).toEqual([]);
  });

  it('keeps the tables working for the store: a session found by its hash, a duplicate key refused', async () => {
    const handle = await databaseAt('sqlite', BEFORE);
    await fill(handle);
    await migrate(handle);
    const store = createStore(handle);
    const found = await store.sessions.findActive('h'.repeat(64), 1_700_000_100_000);
    expect(found?.session.ip).toBe('203.0.113.9');
    expect(found?.firstMembership?.role).toBe('admin');
    const pending = await store.pendingLogins.consume('state-1', 'oidc');
    expect(pending?.returnTo).toBe('https://app.example/');
    expect(await store.pendingLogins.consume('state-1', 'oidc')).toBeUndefined();
    const { rows } = await sql<{ n: number }>`select count(*) as n from memberships`.execute(handle.db);
    await expect(sql`insert into memberships select * from memberships`.execute(handle.db)).rejects.toThrow(
      /UNIQUE|constraint/i,
    );
    const { rows: after } = await sql<{ n: number }>`select count(*) as n from memberships`.execute(
      handle.db,
    );
    expect(after).toEqual(rows);
  });

  it('is undone by its down migration, rows kept', async () => {
    const handle = await databaseAt('sqlite', BEFORE);
    await fill(handle);
    const before = await contents(handle);
    await migrate(handle);
    const { error } = await new Migrator({ db: handle.db, provider: migrationProvider }).migrateTo(BEFORE);
    if (error) throw error;
    for (const t of CLUSTERED_TABLES) {
      const table = (await schemaOf(handle, t)).find((r) => r.type === 'table')!;
      expect(withoutRowid(table.sql), t).toBe(false);
    }
    expect(await contents(handle)).toEqual(before);
  });

  it('changes nothing when one table cannot be rebuilt: all five or none', async () => {
    const handle = await databaseAt('sqlite', BEFORE);
    await fill(handle);
    // The last table's rebuild finds its working name taken, after the first four were rebuilt.
    await sql`create table "group_memberships__rebuild" (x integer)`.execute(handle.db);
    await expect(migrate(handle)).rejects.toThrow(/migration failed/);
    for (const t of CLUSTERED_TABLES) {
      const table = (await schemaOf(handle, t)).find((r) => r.type === 'table')!;
      expect(withoutRowid(table.sql), t).toBe(false);
    }
    // Once the obstacle is gone, the migration runs.
    await sql`drop table "group_memberships__rebuild"`.execute(handle.db);
    expect((await migrate(handle))[0]).toBe('0007-clustered-sqlite-tables');
  });
});

describe('migration 0007 (postgres)', () => {
  it('applies without changing any table, rows kept', async () => {
    const handle = await databaseAt('postgres', BEFORE);
    await fill(handle);
    const columns = () =>
      sql`select table_name, column_name, data_type, is_nullable from information_schema.columns
          where table_schema = current_schema() order by table_name, ordinal_position`.execute(handle.db);
    const before = (await columns()).rows;
    const rows = await contents(handle);
    expect((await migrate(handle))[0]).toBe('0007-clustered-sqlite-tables');
    expect((await columns()).rows).toEqual(before);
    expect(await contents(handle)).toEqual(rows);
  });
});
