/**
 * Users' email keys computed again with today's rule (src/store/ids.ts): a character that NFC
 * replaces on its own (U+212A KELVIN SIGN and the like) stays as given in the local part, so a
 * look-alike address no longer shares a key with a plain one (attacks.md S-TXT-7).
 *
 * Only keys that change are written. None can collide: the new rule only keeps apart addresses the
 * old one merged, and two rows could not already hold one old key. `down` restores the old
 * rule's keys, which is safe only while no two rows differ just by such a character; if two do,
 * it fails on the unique key and changes nothing (one transaction).
 */
import type { Kysely } from 'kysely';
import { normaliseEmail } from '../ids.ts';

const PAGE = 1000;

/** The rule before this migration: lower case, NFC, trimmed. */
function previousKey(email: string): string {
  return email.toLowerCase().normalize('NFC').trim();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema of their time, not today's.
async function rekey(db: Kysely<any>, keyOf: (email: string) => string): Promise<void> {
  // PostgreSQL's migrations already run inside a transaction (transactional DDL); SQLite's do not.
  // biome-ignore lint/suspicious/noExplicitAny: see above
  const atomically = (work: (trx: Kysely<any>) => Promise<void>) =>
    db.isTransaction ? work(db) : db.transaction().execute(work);
  await atomically(async (trx) => {
    let after = '';
    for (;;) {
      const rows: Array<{ id: string; email: string; email_normalized: string }> = await trx
        .selectFrom('users')
        .select(['id', 'email', 'email_normalized'])
        .where('id', '>', after)
        .orderBy('id')
        .limit(PAGE)
        .execute();
      for (const row of rows) {
        const key = keyOf(row.email);
        if (key !== row.email_normalized)
          await trx.updateTable('users').set({ email_normalized: key }).where('id', '=', row.id).execute();
      }
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1]!.id;
    }
  });
}

// biome-ignore lint/suspicious/noExplicitAny: see rekey()
export async function up(db: Kysely<any>): Promise<void> {
  await rekey(db, normaliseEmail);
}

// biome-ignore lint/suspicious/noExplicitAny: see rekey()
export async function down(db: Kysely<any>): Promise<void> {
  await rekey(db, previousKey);
}
