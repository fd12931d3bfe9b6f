/**
 * Sessions, keyed by the SHA-256 of the opaque id in the cookie: a leaked database does not
 * leak usable cookies. The check is one primary-key lookup joined to its user.
 */
import { type Kysely, PostgresAdapter, sql } from 'kysely';
import { coalesce } from '../coalesce.ts';
import { hotQuery, hotStatement } from '../hot-query.ts';
import type { Database } from '../schema.ts';
import type { User, UserAttributes } from './users.ts';

export interface Session {
  idHash: string;
  userId: string;
  createdAt: number;
  lastSeenAt: number;
  idleExpiresAt: number;
  absoluteExpiresAt: number;
  ip: string | null;
  userAgent: string | null;
  method: string;
}

export interface MembershipGroup {
  id: string;
  name: string;
  externalId: string | null;
}

export interface FirstMembership {
  role: string;
  organisation: { id: string; name: string; slug: string };
  /** The person's groups in that organisation, by name. */
  groups: MembershipGroup[];
}

export interface ActiveSession {
  session: Session;
  user: User;
  /** The organisation the person joined first, with their role and groups there (/auth/me). */
  firstMembership: FirstMembership | null;
}

/**
 * The session with everything a request needs: its user, the organisation the person joined
 * first and their groups there (left joins, one row per group), so /auth/me needs nothing else.
 * Columns are named (no `*`): a PostgreSQL prepared statement must keep its result shape when a
 * migration adds a column.
 */
function sessionRows(db: Kysely<Database>) {
  return db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .leftJoin('memberships', (join) =>
      join
        .onRef('memberships.user_id', '=', 'users.id')
        .on((eb) =>
          eb(
            'memberships.organisation_id',
            '=',
            eb
              .selectFrom('memberships as first')
              .select('first.organisation_id')
              .whereRef('first.user_id', '=', 'users.id')
              .orderBy('first.created_at')
              .orderBy('first.organisation_id')
              .limit(sql.lit(1)),
          ),
        ),
    )
    .leftJoin('organisations', 'organisations.id', 'memberships.organisation_id')
    .leftJoin('group_memberships', 'group_memberships.user_id', 'users.id')
    .leftJoin('groups', (join) =>
      join
        .onRef('groups.id', '=', 'group_memberships.group_id')
        .onRef('groups.organisation_id', '=', 'memberships.organisation_id'),
    )
    .select((eb) => [
      'users.id',
      'users.email',
      'users.first_name',
      'users.last_name',
      'users.is_instance_admin',
      eb('users.password_hash', 'is not', null).as('has_password'),
      'users.attributes',
      'users.created_at',
      'users.updated_at',
      'memberships.role as m_role',
      'organisations.id as o_id',
      'organisations.name as o_name',
      'organisations.slug as o_slug',
      'groups.id as g_id',
      'groups.name as g_name',
      'groups.external_id as g_external_id',
      'sessions.id_hash',
      'sessions.created_at as s_created_at',
      'sessions.last_seen_at',
      'sessions.idle_expires_at',
      'sessions.absolute_expires_at',
      'sessions.ip',
      'sessions.user_agent',
      'sessions.method',
    ]);
}

export function sessionsRepository(db: Kysely<Database>) {
  // The session check: one primary-key lookup (sessionRows); inside a transaction, this one.
  const findActiveQuery = hotQuery(db, 3, (p) =>
    sessionRows(db)
      .where('sessions.id_hash', '=', p(0))
      .where('sessions.revoked_at', 'is', null)
      .where('sessions.idle_expires_at', '>', p(1) as unknown as number)
      .where('sessions.absolute_expires_at', '>', p(1) as unknown as number)
      .where('users.disabled', '=', p(2) as unknown as number)
      .orderBy('groups.name')
      .orderBy('groups.id'),
  );
  // Outside a transaction, the checks of one event-loop turn share one query (coalesce.ts) and
  // each check's own instant is compared with the expiries here: on PostgreSQL one round trip
  // instead of one per request, on SQLite one statement (measured: /auth/me 69–81 → 44–47 µs).
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const findManyQuery = hotQuery(
    db,
    2,
    (p) =>
      sessionRows(db)
        .where(
          'sessions.id_hash',
          postgres ? '=' : 'in',
          postgres ? sql<string>`any(${p(0)})` : sql<string>`(select value from json_each(${p(0)}))`,
        )
        .where('sessions.revoked_at', 'is', null)
        .where('users.disabled', '=', p(1) as unknown as number)
        .orderBy('sessions.id_hash')
        .orderBy('groups.name')
        .orderBy('groups.id'),
    postgres ? 'sessions.findMany.pg' : 'sessions.findMany.sqlite',
  );
  type Row = Awaited<ReturnType<typeof findActiveQuery>>[number];
  const findCoalesced = !db.isTransaction
    ? coalesce(async (hashes: string[]) => {
        const byHash = new Map<string, Row[]>();
        for (const r of await findManyQuery(postgres ? hashes : JSON.stringify(hashes), 0)) {
          const rows = byHash.get(r.id_hash);
          if (rows) rows.push(r);
          else byHash.set(r.id_hash, [r]);
        }
        return byHash;
      })
    : undefined;
  // Every sign-in starts one (precompiled: see hot-query.ts).
  const insertSession = hotStatement(
    db,
    9,
    (p) =>
      db.insertInto('sessions').values({
        id_hash: p(0),
        user_id: p(1),
        created_at: p(2) as unknown as number,
        last_seen_at: p(3) as unknown as number,
        idle_expires_at: p(4) as unknown as number,
        absolute_expires_at: p(5) as unknown as number,
        ip: p(6),
        user_agent: p(7),
        method: p(8),
      }),
    'sessions.create',
  );
  return {
    async create(s: Session): Promise<void> {
      await insertSession(
        s.idHash,
        s.userId,
        s.createdAt,
        s.lastSeenAt,
        s.idleExpiresAt,
        s.absoluteExpiresAt,
        s.ip,
        s.userAgent,
        s.method,
      );
    },

    /** The live session and its enabled user, or undefined (expired, revoked, disabled, unknown). */
    async findActive(idHash: string, now: number): Promise<ActiveSession | undefined> {
      const rows = findCoalesced
        ? ((await findCoalesced(idHash)) ?? []).filter(
            (r) => r.idle_expires_at > now && r.absolute_expires_at > now,
          )
        : await findActiveQuery(idHash, now, 0);
      const r = rows[0];
      if (!r) return undefined;
      const user: User = {
        id: r.id,
        email: r.email,
        firstName: r.first_name,
        lastName: r.last_name,
        disabled: false,
        isInstanceAdmin: r.is_instance_admin === 1,
        // 1 on SQLite, true on PostgreSQL.
        hasPassword: Boolean(r.has_password),
        attributes: JSON.parse(r.attributes) as UserAttributes,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
      };
      let firstMembership: FirstMembership | null = null;
      if (r.o_id !== null && r.m_role !== null) {
        const groups: MembershipGroup[] = [];
        // Rows without a group are memberships in other organisations' groups (or none).
        for (const g of rows) {
          if (g.g_id !== null) groups.push({ id: g.g_id, name: g.g_name!, externalId: g.g_external_id });
        }
        firstMembership = {
          role: r.m_role,
          organisation: { id: r.o_id, name: r.o_name!, slug: r.o_slug! },
          groups,
        };
      }
      return {
        user,
        firstMembership,
        session: {
          idHash: r.id_hash,
          userId: r.id,
          createdAt: r.s_created_at,
          lastSeenAt: r.last_seen_at,
          idleExpiresAt: r.idle_expires_at,
          absoluteExpiresAt: r.absolute_expires_at,
          ip: r.ip,
          userAgent: r.user_agent,
          method: r.method,
        },
      };
    },

    async touch(idHash: string, now: number, idleExpiresAt: number): Promise<void> {
      await db
        .updateTable('sessions')
        .set({ last_seen_at: now, idle_expires_at: idleExpiresAt })
        .where('id_hash', '=', idHash)
        .execute();
    },

    async revoke(idHash: string, now: number): Promise<void> {
      await db
        .updateTable('sessions')
        .set({ revoked_at: now })
        .where('id_hash', '=', idHash)
        .where('revoked_at', 'is', null)
        .execute();
    },

    async revokeAllForUser(userId: string, now: number): Promise<number> {
      const r = await db
        .updateTable('sessions')
        .set({ revoked_at: now })
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows);
    },

    async countActiveForUser(userId: string, now: number): Promise<number> {
      const r = await db
        .selectFrom('sessions')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .where('idle_expires_at', '>', now)
        .where('absolute_expires_at', '>', now)
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },

    /** Removes sessions that ended before `before` (housekeeping). */
    async deleteEnded(before: number): Promise<number> {
      const r = await db
        .deleteFrom('sessions')
        .where((eb) =>
          eb.or([
            eb('absolute_expires_at', '<', before),
            eb('idle_expires_at', '<', before),
            eb('revoked_at', '<', before),
          ]),
        )
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
