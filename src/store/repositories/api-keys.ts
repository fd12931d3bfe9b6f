/** API keys: only a hash of the secret is stored; the key itself is shown once at creation. */
import type { Kysely, Selectable } from 'kysely';
import { translateConstraints } from '../errors.ts';
import type { ApiKeysTable, Database } from '../schema.ts';

export interface ApiKey {
  id: string;
  name: string;
  /** null: an instance-admin key; otherwise the organisation the key is scoped to. */
  organisationId: string | null;
  role: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface ApiKeyWithHash extends ApiKey {
  secretHash: string;
}

function toApiKey(r: Selectable<ApiKeysTable>): ApiKeyWithHash {
  return {
    id: r.id,
    name: r.name,
    organisationId: r.organisation_id,
    role: r.role,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
    secretHash: r.secret_hash,
  };
}

function withoutHash({ secretHash: _, ...key }: ApiKeyWithHash): ApiKey {
  return key;
}

export function apiKeysRepository(db: Kysely<Database>) {
  return {
    async create(input: {
      id: string;
      name: string;
      secretHash: string;
      organisationId: string | null;
      role: string;
    }): Promise<ApiKey> {
      const row = {
        id: input.id,
        name: input.name,
        secret_hash: input.secretHash,
        organisation_id: input.organisationId,
        role: input.role,
        created_at: Date.now(),
        last_used_at: null,
        revoked_at: null,
      };
      await translateConstraints('this API key', () => db.insertInto('api_keys').values(row).execute());
      return withoutHash(toApiKey(row));
    },

    /** With the hash, for authentication only. */
    async getForAuthentication(id: string): Promise<ApiKeyWithHash | undefined> {
      const r = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toApiKey(r);
    },

    async get(id: string): Promise<ApiKey | undefined> {
      const r = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
      return r && withoutHash(toApiKey(r));
    },

    /** Keys of one organisation, or the instance keys when `organisationId` is null. */
    async list(organisationId: string | null): Promise<ApiKey[]> {
      let q = db.selectFrom('api_keys').selectAll().orderBy('created_at').orderBy('id');
      q =
        organisationId === null
          ? q.where('organisation_id', 'is', null)
          : q.where('organisation_id', '=', organisationId);
      return (await q.execute()).map((r) => withoutHash(toApiKey(r)));
    },

    async revoke(id: string): Promise<boolean> {
      const r = await db
        .updateTable('api_keys')
        .set({ revoked_at: Date.now() })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    async touch(id: string, now: number): Promise<void> {
      await db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', id).execute();
    },
  };
}
