/**
 * The instance's SAML SP key pairs (signing and encryption). Private keys are stored sealed
 * by the caller (the repository never sees them in clear). During a rotation the `next` key
 * is published beside the `active` one, and the `previous` one still decrypts.
 */
import type { Kysely } from 'kysely';
import { newId } from '../ids.ts';
import type { Database } from '../schema.ts';

export type SpKeyUse = 'signing' | 'encryption';
export type SpKeyStatus = 'active' | 'next' | 'previous';

export interface StoredSpKey {
  id: string;
  use: SpKeyUse;
  status: SpKeyStatus;
  certificatePem: string;
  privateKeySealed: string;
  notAfter: number;
  createdAt: number;
}

export function spKeysRepository(db: Kysely<Database>) {
  return {
    async list(): Promise<StoredSpKey[]> {
      const rows = await db.selectFrom('sp_keys').selectAll().orderBy('created_at').execute();
      return rows.map((r) => ({
        id: r.id,
        use: r.use,
        status: r.status,
        certificatePem: r.certificate_pem,
        privateKeySealed: r.private_key_sealed,
        notAfter: r.not_after,
        createdAt: r.created_at,
      }));
    },

    async add(k: Omit<StoredSpKey, 'id' | 'createdAt'>): Promise<StoredSpKey> {
      const row = { ...k, id: newId(), createdAt: Date.now() };
      await db
        .insertInto('sp_keys')
        .values({
          id: row.id,
          use: k.use,
          status: k.status,
          certificate_pem: k.certificatePem,
          private_key_sealed: k.privateKeySealed,
          not_after: k.notAfter,
          created_at: row.createdAt,
        })
        .execute();
      return row;
    },

    async setStatus(id: string, status: SpKeyStatus): Promise<void> {
      await db.updateTable('sp_keys').set({ status }).where('id', '=', id).execute();
    },

    async delete(id: string): Promise<void> {
      await db.deleteFrom('sp_keys').where('id', '=', id).execute();
    },
  };
}
