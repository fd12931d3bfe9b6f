/**
 * Storage for password accounts and sign-in policies: failed-login counters shared by every
 * instance, single-use password tokens (invitations and resets, kept as SHA-256 digests), each
 * organisation's login policy, and a person's own view of their sessions.
 */
import { type Kysely, type Selectable, sql } from 'kysely';
import { hotQuery } from '../hot-query.ts';
import type { Database, LoginThrottlesTable, PasswordTokensTable, SessionsTable } from '../schema.ts';

export interface ThrottleState {
  key: string;
  failures: number;
  firstFailureAt: number;
  lastFailureAt: number;
}

function toThrottle(r: Selectable<LoginThrottlesTable>): ThrottleState {
  return {
    key: r.key,
    failures: Number(r.failures),
    firstFailureAt: Number(r.first_failure_at),
    lastFailureAt: Number(r.last_failure_at),
  };
}

export function loginThrottlesRepository(db: Kysely<Database>) {
  return {
    async get(keys: string[]): Promise<ThrottleState[]> {
      if (keys.length === 0) return [];
      const rows = await db.selectFrom('login_throttles').selectAll().where('key', 'in', keys).execute();
      return rows.map(toThrottle);
    },

    /**
     * Counts one failure in a single statement (so instances racing on one key both count):
     * a counter whose last failure is older than `forgetBefore` starts again at 1.
     */
    async recordFailure(key: string, now: number, forgetBefore: number): Promise<ThrottleState> {
      await db
        .insertInto('login_throttles')
        .values({ key, failures: 1, first_failure_at: now, last_failure_at: now })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({
            failures: sql<number>`CASE WHEN login_throttles.last_failure_at < ${forgetBefore} THEN 1 ELSE login_throttles.failures + 1 END`,
            first_failure_at: sql<number>`CASE WHEN login_throttles.last_failure_at < ${forgetBefore} THEN ${now} ELSE login_throttles.first_failure_at END`,
            last_failure_at: now,
          }),
        )
        .execute();
      const row = await db
        .selectFrom('login_throttles')
        .selectAll()
        .where('key', '=', key)
        .executeTakeFirstOrThrow();
      return toThrottle(row);
    },

    async clear(key: string): Promise<void> {
      await db.deleteFrom('login_throttles').where('key', '=', key).execute();
    },

    /** Removes counters whose last failure is older than `before` (housekeeping). */
    async deleteStale(before: number): Promise<number> {
      const r = await db
        .deleteFrom('login_throttles')
        .where('last_failure_at', '<', before)
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}

export type PasswordTokenPurpose = 'invitation' | 'reset';

export interface PasswordToken {
  idHash: string;
  purpose: PasswordTokenPurpose;
  userId: string;
  organisationId: string | null;
  createdBy: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}

function toToken(r: Selectable<PasswordTokensTable>): PasswordToken {
  return {
    idHash: r.id_hash,
    purpose: r.purpose,
    userId: r.user_id,
    organisationId: r.organisation_id,
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    usedAt: r.used_at === null ? null : Number(r.used_at),
  };
}

export function passwordTokensRepository(db: Kysely<Database>) {
  return {
    async create(token: Omit<PasswordToken, 'usedAt'>): Promise<PasswordToken> {
      const row = {
        id_hash: token.idHash,
        purpose: token.purpose,
        user_id: token.userId,
        organisation_id: token.organisationId,
        created_by: token.createdBy,
        created_at: token.createdAt,
        expires_at: token.expiresAt,
        used_at: null,
      };
      await db.insertInto('password_tokens').values(row).execute();
      return toToken(row);
    },

    async get(idHash: string): Promise<PasswordToken | undefined> {
      const r = await db
        .selectFrom('password_tokens')
        .selectAll()
        .where('id_hash', '=', idHash)
        .executeTakeFirst();
      return r && toToken(r);
    },

    /** Unused tokens of a user for `purpose` are withdrawn (a new one replaces them). */
    async deleteUnused(userId: string, purpose: PasswordTokenPurpose): Promise<number> {
      const r = await db
        .deleteFrom('password_tokens')
        .where('user_id', '=', userId)
        .where('purpose', '=', purpose)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },

    /**
     * Marks the token used if it is unused and unexpired, in one conditional update: of two
     * instances redeeming the same token, exactly one gets it back.
     */
    async consume(
      idHash: string,
      purpose: PasswordTokenPurpose,
      now: number,
    ): Promise<PasswordToken | undefined> {
      const r = await db
        .updateTable('password_tokens')
        .set({ used_at: now })
        .where('id_hash', '=', idHash)
        .where('purpose', '=', purpose)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return undefined;
      return this.get(idHash);
    },

    /** Removes tokens that expired before `before` (housekeeping). */
    async deleteExpired(before: number): Promise<number> {
      const r = await db.deleteFrom('password_tokens').where('expires_at', '<', before).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}

export interface StoredLoginPolicy {
  organisationId: string;
  /** Method names as stored; identity/login-methods.ts gives them meaning. */
  allowedLoginMethods: string[];
  defaultSso: { protocol: string; name: string } | null;
  updatedAt: number | null;
}

export function loginPoliciesRepository(db: Kysely<Database>) {
  // Every SSO and password sign-in reads the organisation's policy.
  const getQuery = hotQuery(db, 1, (p) =>
    db.selectFrom('login_policies').selectAll().where('organisation_id', '=', p(0)),
  );
  return {
    /** The stored policy, or undefined when the organisation never set one. */
    async get(organisationId: string): Promise<StoredLoginPolicy | undefined> {
      const [r] = await getQuery(organisationId);
      if (!r) return undefined;
      return {
        organisationId: r.organisation_id,
        allowedLoginMethods: JSON.parse(r.allowed_login_methods) as string[],
        defaultSso:
          r.default_sso_protocol !== null && r.default_sso_name !== null
            ? { protocol: r.default_sso_protocol, name: r.default_sso_name }
            : null,
        updatedAt: Number(r.updated_at),
      };
    },

    async put(policy: Omit<StoredLoginPolicy, 'updatedAt'>, now = Date.now()): Promise<void> {
      const values = {
        allowed_login_methods: JSON.stringify(policy.allowedLoginMethods),
        default_sso_protocol: policy.defaultSso?.protocol ?? null,
        default_sso_name: policy.defaultSso?.name ?? null,
        updated_at: now,
      };
      await db
        .insertInto('login_policies')
        .values({ organisation_id: policy.organisationId, ...values })
        .onConflict((oc) => oc.column('organisation_id').doUpdateSet(values))
        .execute();
    },
  };
}

export interface OwnSession {
  idHash: string;
  createdAt: number;
  lastSeenAt: number;
  idleExpiresAt: number;
  absoluteExpiresAt: number;
  ip: string | null;
  userAgent: string | null;
  method: string;
}

function toOwnSession(r: Selectable<SessionsTable>): OwnSession {
  return {
    idHash: r.id_hash,
    createdAt: Number(r.created_at),
    lastSeenAt: Number(r.last_seen_at),
    idleExpiresAt: Number(r.idle_expires_at),
    absoluteExpiresAt: Number(r.absolute_expires_at),
    ip: r.ip,
    userAgent: r.user_agent,
    method: r.method,
  };
}

/** A person's own sessions: list the live ones, end one, or end all but the current one. */
export function ownSessionsRepository(db: Kysely<Database>) {
  return {
    async listActive(userId: string, now: number): Promise<OwnSession[]> {
      const rows = await db
        .selectFrom('sessions')
        .selectAll()
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .where('idle_expires_at', '>', now)
        .where('absolute_expires_at', '>', now)
        .orderBy('created_at', 'desc')
        .orderBy('id_hash')
        .execute();
      return rows.map(toOwnSession);
    },

    /** Ends one session of this user; false when it is not theirs or already ended. */
    async revoke(userId: string, idHash: string, now: number): Promise<boolean> {
      const r = await db
        .updateTable('sessions')
        .set({ revoked_at: now })
        .where('user_id', '=', userId)
        .where('id_hash', '=', idHash)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    /** Ends every session of the user except `keep` (null: all of them). */
    async revokeAllExcept(userId: string, keep: string | null, now: number): Promise<number> {
      let q = db
        .updateTable('sessions')
        .set({ revoked_at: now })
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null);
      if (keep !== null) q = q.where('id_hash', '!=', keep);
      const r = await q.executeTakeFirst();
      return Number(r.numUpdatedRows);
    },
  };
}
