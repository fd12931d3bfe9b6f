/** Append-only records an admin reads: login traces, audit events, and instance settings. */
import type { Kysely } from 'kysely';
import { hotStatement } from '../hot-query.ts';
import { decodeCursor, encodeCursor, newId } from '../ids.ts';
import type { Database } from '../schema.ts';
import type { Page } from './organisations.ts';

export interface LoginTrace {
  id: string;
  organisationId: string | null;
  protocol: string;
  configuration: string | null;
  outcome: 'success' | 'failure';
  code: string | null;
  message: string | null;
  email: string | null;
  userId: string | null;
  ip: string | null;
  detail: Record<string, unknown>;
  createdAt: number;
}

export type NewLoginTrace = Omit<LoginTrace, 'id' | 'createdAt'>;

export interface AuditEvent {
  id: string;
  organisationId: string | null;
  actor: string;
  action: string;
  targetType: string;
  targetId: string | null;
  detail: Record<string, unknown>;
  createdAt: number;
}

export type NewAuditEvent = Omit<AuditEvent, 'id' | 'createdAt'>;

/** Newest first, keyset-paged on (createdAt, id): rows written meanwhile never shift a page. */
interface ListOptions {
  limit: number;
  cursor?: string;
}

function decodeTimeCursor(cursor: string | undefined): { at: number; id: string } | undefined {
  const raw = decodeCursor(cursor);
  const m = raw === undefined ? null : /^(\d{1,16}):(.{1,64})$/.exec(raw);
  return m ? { at: Number(m[1]), id: m[2]! } : undefined;
}

function nextTimeCursor<T extends { createdAt: number; id: string }>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items,
    nextCursor: rows.length > limit && last ? encodeCursor(`${last.createdAt}:${last.id}`) : null,
  };
}

export function loginTracesRepository(db: Kysely<Database>) {
  // Every sign-in writes one (precompiled: see hot-query.ts).
  const insertTrace = hotStatement(
    db,
    12,
    (p) =>
      db.insertInto('login_traces').values({
        id: p(0),
        organisation_id: p(1),
        protocol: p(2),
        configuration: p(3),
        outcome: p(4) as LoginTrace['outcome'],
        code: p(5),
        message: p(6),
        email: p(7),
        user_id: p(8),
        ip: p(9),
        detail: p(10),
        created_at: p(11) as unknown as number,
      }),
    'loginTraces.record',
  );
  return {
    async record(t: NewLoginTrace): Promise<LoginTrace> {
      const row = { ...t, id: newId(), createdAt: Date.now() };
      await insertTrace(
        row.id,
        t.organisationId,
        t.protocol,
        t.configuration,
        t.outcome,
        t.code,
        t.message,
        t.email,
        t.userId,
        t.ip,
        JSON.stringify(t.detail),
        row.createdAt,
      );
      return row;
    },

    async list(organisationId: string, opts: ListOptions): Promise<Page<LoginTrace>> {
      let q = db
        .selectFrom('login_traces')
        .selectAll()
        .where('organisation_id', '=', organisationId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(opts.limit + 1);
      const after = decodeTimeCursor(opts.cursor);
      if (after) {
        q = q.where((eb) =>
          eb.or([
            eb('created_at', '<', after.at),
            eb.and([eb('created_at', '=', after.at), eb('id', '<', after.id)]),
          ]),
        );
      }
      const rows = await q.execute();
      return nextTimeCursor(
        rows.map((r) => ({
          id: r.id,
          organisationId: r.organisation_id,
          protocol: r.protocol,
          configuration: r.configuration,
          outcome: r.outcome,
          code: r.code,
          message: r.message,
          email: r.email,
          userId: r.user_id,
          ip: r.ip,
          detail: JSON.parse(r.detail) as Record<string, unknown>,
          createdAt: r.created_at,
        })),
        opts.limit,
      );
    },
  };
}

export function auditEventsRepository(db: Kysely<Database>) {
  return {
    async record(e: NewAuditEvent): Promise<void> {
      await db
        .insertInto('audit_events')
        .values({
          id: newId(),
          organisation_id: e.organisationId,
          actor: e.actor,
          action: e.action,
          target_type: e.targetType,
          target_id: e.targetId,
          detail: JSON.stringify(e.detail),
          created_at: Date.now(),
        })
        .execute();
    },

    async list(organisationId: string | null, opts: ListOptions): Promise<Page<AuditEvent>> {
      let q = db
        .selectFrom('audit_events')
        .selectAll()
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(opts.limit + 1);
      q =
        organisationId === null
          ? q.where('organisation_id', 'is', null)
          : q.where('organisation_id', '=', organisationId);
      const after = decodeTimeCursor(opts.cursor);
      if (after) {
        q = q.where((eb) =>
          eb.or([
            eb('created_at', '<', after.at),
            eb.and([eb('created_at', '=', after.at), eb('id', '<', after.id)]),
          ]),
        );
      }
      const rows = await q.execute();
      return nextTimeCursor(
        rows.map((r) => ({
          id: r.id,
          organisationId: r.organisation_id,
          actor: r.actor,
          action: r.action,
          targetType: r.target_type,
          targetId: r.target_id,
          detail: JSON.parse(r.detail) as Record<string, unknown>,
          createdAt: r.created_at,
        })),
        opts.limit,
      );
    },
  };
}

export function settingsRepository(db: Kysely<Database>) {
  return {
    async get(key: string): Promise<string | undefined> {
      const r = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
      return r?.value;
    },

    /** Stores `value` unless the key exists; true when this call stored it (first writer wins). */
    async setIfAbsent(key: string, value: string): Promise<boolean> {
      const r = await db
        .insertInto('settings')
        .values({ key, value, updated_at: Date.now() })
        .onConflict((oc) => oc.column('key').doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
    },

    async set(key: string, value: string): Promise<void> {
      await db
        .insertInto('settings')
        .values({ key, value, updated_at: Date.now() })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: Date.now() }))
        .execute();
    },
  };
}
