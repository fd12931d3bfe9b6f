/**
 * State that every instance must agree on during a sign-in: the pending login (consumed
 * exactly once, by whichever instance receives the answer) and the replay cache.
 */
import type { Kysely, Selectable } from 'kysely';
import { translateConstraints } from '../errors.ts';
import { hotQuery, hotStatement } from '../hot-query.ts';
import type { Database, PendingLoginsTable } from '../schema.ts';

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

function toPendingLogin(r: Selectable<PendingLoginsTable>): PendingLogin {
  return {
    id: r.id,
    protocol: r.protocol,
    configurationId: r.configuration_id,
    browserHash: r.browser_hash,
    returnTo: r.return_to,
    data: JSON.parse(r.data) as Record<string, unknown>,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
  };
}

export function pendingLoginsRepository(db: Kysely<Database>) {
  // Read and claimed once by every SSO callback: compiled once (src/store/hot-query.ts).
  const getQuery = hotQuery(
    db,
    2,
    (p) => db.selectFrom('pending_logins').selectAll().where('id', '=', p(0)).where('protocol', '=', p(1)),
    'pendingLogins.get',
  );
  const consumeStatement = hotStatement(
    db,
    2,
    (p) => db.deleteFrom('pending_logins').where('id', '=', p(0)).where('protocol', '=', p(1)).returningAll(),
    'pendingLogins.consume',
  );
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

    /** Reads a pending login without claiming it (to check the browser before it is used up). */
    async get(id: string, protocol: string): Promise<PendingLogin | undefined> {
      const [r] = await getQuery(id, protocol);
      return r && toPendingLogin(r);
    },

    /**
     * Removes and returns the pending login. The delete is the claim: of two instances
     * racing on the same id, exactly one gets the row.
     */
    async consume(id: string, protocol: string): Promise<PendingLogin | undefined> {
      const {
        rows: [r],
      } = await consumeStatement(id, protocol);
      return r && toPendingLogin(r);
    },

    async deleteExpired(now: number): Promise<number> {
      const r = await db.deleteFrom('pending_logins').where('expires_at', '<', now).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}

export function replayCacheRepository(db: Kysely<Database>) {
  // One statement: a new key is inserted; an expired entry may be reused (the message it guarded
  // can no longer be accepted anyway), so it is taken over; a live one is left alone (a replay).
  const claimKey = hotStatement(
    db,
    3,
    (p) =>
      db
        .insertInto('replay_cache')
        .values({ key: p(0), expires_at: p(1) as unknown as number })
        .onConflict((oc) =>
          oc
            .column('key')
            .doUpdateSet((eb) => ({ expires_at: eb.ref('excluded.expires_at') }))
            .where('replay_cache.expires_at', '<', p(2) as unknown as number),
        ),
    'replayCache.claim',
  );
  return {
    /** Records `key` as used until `expiresAt`; false when it was already used (a replay). */
    async claim(key: string, expiresAt: number, now: number): Promise<boolean> {
      return (await claimKey(key, expiresAt, now)).affected > 0;
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
  // Both run at every SSO login (precompiled: see hot-query.ts).
  const getLink = hotQuery(
    db,
    2,
    (p) =>
      db
        .selectFrom('external_identities')
        .selectAll()
        .where('connection', '=', p(0))
        .where('subject', '=', p(1)),
    'externalIdentities.get',
  );
  const touchLink = hotStatement(
    db,
    3,
    (p) =>
      db
        .updateTable('external_identities')
        .set({ last_login_at: p(2) as unknown as number })
        .where('connection', '=', p(0))
        .where('subject', '=', p(1)),
    'externalIdentities.touch',
  );
  return {
    async get(connection: string, subject: string): Promise<ExternalIdentityLink | undefined> {
      const [r] = await getLink(connection, subject);
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
      await touchLink(connection, subject, now);
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

export interface IdentityLinkRequest {
  id: string;
  /** connectionKey of the SSO connection, e.g. `oidc:<id>`. */
  connection: string;
  connectionName: string;
  subject: string;
  userId: string;
  browserHash: string;
  createdAt: number;
  expiresAt: number;
}

export function identityLinkRequestsRepository(db: Kysely<Database>) {
  const toRequest = (r: {
    id: string;
    connection: string;
    connection_name: string;
    subject: string;
    user_id: string;
    browser_hash: string;
    created_at: number;
    expires_at: number;
  }): IdentityLinkRequest => ({
    id: r.id,
    connection: r.connection,
    connectionName: r.connection_name,
    subject: r.subject,
    userId: r.user_id,
    browserHash: r.browser_hash,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
  });
  return {
    async create(r: IdentityLinkRequest): Promise<void> {
      await db
        .insertInto('identity_link_requests')
        .values({
          id: r.id,
          connection: r.connection,
          connection_name: r.connectionName,
          subject: r.subject,
          user_id: r.userId,
          browser_hash: r.browserHash,
          created_at: r.createdAt,
          expires_at: r.expiresAt,
        })
        .execute();
    },

    async get(id: string): Promise<IdentityLinkRequest | undefined> {
      const r = await db
        .selectFrom('identity_link_requests')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return r && toRequest(r);
    },

    async listOpen(now: number): Promise<IdentityLinkRequest[]> {
      const rows = await db
        .selectFrom('identity_link_requests')
        .selectAll()
        .where('expires_at', '>', now)
        .orderBy('created_at', 'desc')
        .limit(100)
        .execute();
      return rows.map(toRequest);
    },

    /** Removes and returns the request: of two confirmations racing, exactly one gets it. */
    async consume(id: string): Promise<IdentityLinkRequest | undefined> {
      const r = await db
        .deleteFrom('identity_link_requests')
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return r && toRequest(r);
    },

    async deleteExpired(now: number): Promise<number> {
      const r = await db
        .deleteFrom('identity_link_requests')
        .where('expires_at', '<', now)
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
