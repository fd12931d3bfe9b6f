/**
 * On SQLite, the tables every sign-in reads and writes by their primary key become WITHOUT ROWID
 * tables (https://sqlite.org/withoutrowid.html): the rows are stored in the primary key's own
 * b-tree instead of a rowid table plus a separate index on the key. A lookup by key then reads
 * one b-tree instead of two, and a write changes one fewer page, so every sign-in's commit
 * writes fewer pages to the WAL before its fsync (docs/performance.md, OIDC notes).
 *
 * Only tables with small rows and a key that is how they are read qualify: sessions (by token
 * hash), pending logins (by state), external identities (by connection and subject), memberships
 * and group memberships (by their pair). Login traces and audit events keep their rowid: large
 * rows, read by organisation and time.
 *
 * Each table is rebuilt from its own definition in sqlite_master (same columns, constraints and
 * indexes; only the storage changes), in one transaction. PostgreSQL has no such distinction:
 * nothing to do there.
 */
import { type Kysely, SqliteAdapter, sql } from 'kysely';

export const CLUSTERED_TABLES = [
  'sessions',
  'pending_logins',
  'external_identities',
  'memberships',
  'group_memberships',
] as const;

const SUFFIX = /\)\s*WITHOUT\s+ROWID\s*$/i;

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema of their time, not today's.
async function rebuild(db: Kysely<any>, withoutRowid: boolean): Promise<void> {
  if (!(db.getExecutor().adapter instanceof SqliteAdapter)) return;
  await db.transaction().execute(async (trx) => {
    for (const table of CLUSTERED_TABLES) {
      const { rows } = await sql<{ type: string; sql: string | null }>`
        select type, sql from sqlite_master where tbl_name = ${table}`.execute(trx);
      const created = rows.find((r) => r.type === 'table')?.sql;
      if (!created) throw new Error(`table ${table} is missing`);
      if (SUFFIX.test(created) === withoutRowid) continue; // already in the wanted form
      const head = `CREATE TABLE "${table}"`;
      if (!created.startsWith(head)) throw new Error(`unexpected definition of ${table}: ${created}`);
      const body = created.slice(head.length).replace(SUFFIX, ')');
      const temporary = `${table}__rebuild`;
      const indexes = rows.filter((r) => r.type === 'index' && r.sql !== null).map((r) => r.sql!);
      await sql.raw(`CREATE TABLE "${temporary}"${body}${withoutRowid ? ' WITHOUT ROWID' : ''}`).execute(trx);
      await sql.raw(`INSERT INTO "${temporary}" SELECT * FROM "${table}"`).execute(trx);
      // No table refers to these by foreign key, so dropping and renaming touches no other table.
      await sql.raw(`DROP TABLE "${table}"`).execute(trx);
      await sql.raw(`ALTER TABLE "${temporary}" RENAME TO "${table}"`).execute(trx);
      for (const index of indexes) await sql.raw(index).execute(trx);
    }
  });
}

// biome-ignore lint/suspicious/noExplicitAny: see rebuild()
export async function up(db: Kysely<any>): Promise<void> {
  await rebuild(db, true);
}

// biome-ignore lint/suspicious/noExplicitAny: see rebuild()
export async function down(db: Kysely<any>): Promise<void> {
  await rebuild(db, false);
}
