/**
 * Migration 0008: users' email keys computed again with the look-alike rule of
 * src/store/ids.ts (attacks.md S-TXT-7), on both engines, with real database files and the real
 * migrator; only changed keys written, in pages; undone by down() unless that would merge two
 * accounts, in which case nothing changes.
 */
import { Migrator } from 'kysely/migration';
import { describe, expect, it } from 'vitest';
import { type DatabaseHandle, migrate } from '../../src/store/connect.ts';
import { migrationProvider } from '../../src/store/migrations/index.ts';
import { createStore } from '../../src/store/store.ts';
import { ENGINES } from '../support/databases.ts';
import { databasesAtMigration } from './helpers.ts';

const BEFORE = '0007-clustered-sqlite-tables';
const KELVIN = '\u212A';

const databases = databasesAtMigration();
const databaseAt = databases.at;

/** Users as the older code stored them: the key lower-cased and NFC'd whole. */
async function addUsers(handle: DatabaseHandle, emails: string[]): Promise<void> {
  const now = 1_700_000_000_000;
  await handle.db.transaction().execute(async (trx) => {
    for (const [i, email] of emails.entries()) {
      await trx
        .insertInto('users')
        .values({
          id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
          email,
          email_normalized: email.toLowerCase().normalize('NFC').trim(),
          first_name: '',
          last_name: '',
          password_hash: null,
          disabled: 0,
          is_instance_admin: 0,
          attributes: '{}',
          created_at: now,
          updated_at: now,
        })
        .execute();
    }
  });
}

async function keys(handle: DatabaseHandle): Promise<Record<string, string>> {
  const rows = await handle.db.selectFrom('users').select(['email', 'email_normalized']).execute();
  return Object.fromEntries(rows.map((r) => [r.email, r.email_normalized]));
}

describe.each(ENGINES)('migration 0008: email keys keep look-alike characters (%s)', (engine) => {
  it('re-keys a Kelvin-sign address apart from the plain one, leaves other keys alone, and lets the plain address sign up', async () => {
    const handle = await databaseAt(engine, BEFORE);
    await addUsers(handle, [`${KELVIN}ate@Orga.Test`, 'Bob@Example.TEST', '\u00c9lise@x.test']);
    expect((await keys(handle))[`${KELVIN}ate@Orga.Test`]).toBe('kate@orga.test');

    expect(await migrate(handle)).toEqual(['0008-email-lookalike-keys']);

    expect(await keys(handle)).toEqual({
      [`${KELVIN}ate@Orga.Test`]: `${KELVIN}ate@orga.test`,
      'Bob@Example.TEST': 'bob@example.test',
      '\u00c9lise@x.test': '\u00e9lise@x.test',
    });
    const store = createStore(handle);
    const kate = await store.users.create({ email: 'kate@orga.test' });
    expect((await store.users.getByEmail('KATE@orga.test'))?.id).toBe(kate.id);
    expect((await store.users.getByEmail(`${KELVIN}ate@orga.test`))?.id).not.toBe(kate.id);
  });

  it('down() restores the older keys, and refuses as a whole when that would merge two accounts', async () => {
    const handle = await databaseAt(engine, BEFORE);
    await addUsers(handle, [`${KELVIN}ate@orga.test`, 'bob@example.test']);
    await migrate(handle);
    const migrator = new Migrator({ db: handle.db, provider: migrationProvider });

    expect((await migrator.migrateTo(BEFORE)).error).toBeUndefined();
    expect((await keys(handle))[`${KELVIN}ate@orga.test`]).toBe('kate@orga.test');

    await migrate(handle);
    await createStore(handle).users.create({ email: 'kate@orga.test' });
    const before = await keys(handle);
    expect((await migrator.migrateTo(BEFORE)).error).toBeDefined();
    expect(await keys(handle)).toEqual(before);
  });
});

describe('migration 0008 (sqlite): more users than one page', () => {
  it('re-keys look-alike addresses on every page', async () => {
    const handle = await databaseAt('sqlite', BEFORE);
    const emails = Array.from({ length: 2_345 }, (_, i) =>
      i % 700 === 0 ? `${KELVIN}-${i}@x.test` : `user-${i}@x.test`,
    );
    await addUsers(handle, emails);

    await migrate(handle);

    const now = await keys(handle);
    expect(Object.keys(now)).toHaveLength(emails.length);
    for (const i of [0, 700, 1400, 2100]) expect(now[`${KELVIN}-${i}@x.test`]).toBe(`${KELVIN}-${i}@x.test`);
    expect(now['user-1@x.test']).toBe('user-1@x.test');
  });
});
