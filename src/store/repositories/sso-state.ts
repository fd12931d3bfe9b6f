/**
 * State that every instance must agree on during a sign-in: the pending login (consumed
 * exactly once, by whichever instance receives the answer) and the replay cache.
 */
import type { Kysely } from 'kysely';
import { translateConstraints } from '../errors.ts';
import type { Database } from '../schema.ts';

export interface PendingLogin {
  id: string;
  protocol: string;
  configurationId: string;
  browserHash: string;
  returnTo: string;
  data: Record<string, unknown>;
  createdAt: number;
  expiresAt: number;
}

export function pendingLoginsRepository(db: Kysely<Database>) {
  return {
    async create(p: PendingLogin): Promise<void> {
      await translateConstraints('this pending login', () =>
        db
          .insertInto('pending_logins')
          .values({
            id: p.id,
            protocol: p.protocol,
            configuration_id: p.configurationId,
            browser_hash: p.browserHash,
            return_to: p.returnTo,
            data: JSON.stringify(p.data),
            created_at: p.createdAt,
            expires_at: p.expiresAt,
          })
          .execute(),
      );
    },

    /**
     * Removes and returns the pending login. The delete is the claim: of two instances
     * racing on the same id, exactly one gets the row.
     */
    async consume(id: string, protocol: string): Promise<PendingLogin | undefined> {
      const r = await db
        .deleteFrom('pending_logins')
        .where('id', '=', id)
        .where('protocol', '=', protocol)
        .returningAll()
        .executeTakeFirst();
      if (!r) return undefined;
      return {
        id: r.id,
        protocol: r.protocol,
        configurationId: r.configuration_id,
        browserHash: r.browser_hash,
        returnTo: r.return_to,
        data: JSON.parse(r.data) as Record<string, unknown>,
        createdAt: r.created_at,
        expiresAt: r.expires_at,
      };
    },

    async deleteExpired(now: number): Promise<number> {
      const r = await db.deleteFrom('pending_logins').where('expires_at', '<', now).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}

export function replayCacheRepository(db: Kysely<Database>) {
  return {
    /** Records `key` as used until `expiresAt`; false when it was already used (a replay). */
    async claim(key: string, expiresAt: number, now: number): Promise<boolean> {
      // An expired entry may be reused: the message it guarded can no longer be accepted anyway.
      await db.deleteFrom('replay_cache').where('key', '=', key).where('expires_at', '<', now).execute();
      const r = await db
        .insertInto('replay_cache')
        .values({ key, expires_at: expiresAt })
        .onConflict((oc) => oc.column('key').doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
    },

    async deleteExpired(now: number): Promise<number> {
      const r = await db.deleteFrom('replay_cache').where('expires_at', '<', now).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}

export interface ExternalIdentityLink {
  connection: string;
  subject: string;
  userId: string;
  linkedBy: string;
  createdAt: number;
  lastLoginAt: number;
}

export function externalIdentitiesRepository(db: Kysely<Database>) {
  return {
    async get(connection: string, subject: string): Promise<ExternalIdentityLink | undefined> {
      const r = await db
        .selectFrom('external_identities')
        .selectAll()
        .where('connection', '=', connection)
        .where('subject', '=', subject)
        .executeTakeFirst();
      return (
        r && {
          connection: r.connection,
          subject: r.subject,
          userId: r.user_id,
          linkedBy: r.linked_by,
          createdAt: r.created_at,
          lastLoginAt: r.last_login_at,
        }
      );
    },

    async link(l: Omit<ExternalIdentityLink, 'createdAt' | 'lastLoginAt'>, now: number): Promise<void> {
      await translateConstraints('this external identity', () =>
        db
          .insertInto('external_identities')
          .values({
            connection: l.connection,
            subject: l.subject,
            user_id: l.userId,
            linked_by: l.linkedBy,
            created_at: now,
            last_login_at: now,
          })
          .execute(),
      );
    },

    async touch(connection: string, subject: string, now: number): Promise<void> {
      await db
        .updateTable('external_identities')
        .set({ last_login_at: now })
        .where('connection', '=', connection)
        .where('subject', '=', subject)
        .execute();
    },

    async listForUser(userId: string): Promise<ExternalIdentityLink[]> {
      const rows = await db
        .selectFrom('external_identities')
        .selectAll()
        .where('user_id', '=', userId)
        .execute();
      return rows.map((r) => ({
        connection: r.connection,
        subject: r.subject,
        userId: r.user_id,
        linkedBy: r.linked_by,
        createdAt: r.created_at,
        lastLoginAt: r.last_login_at,
      }));
    },
  };
}
