/**
 * Every row of every table before and after a request, and what changed between the two.
 * "A refused request writes nothing" is only worth something if the check reads the tables
 * themselves rather than what the admin API chooses to show.
 */

import { type Kysely, sql } from 'kysely';
import type { Database } from '../../src/store/schema.ts';
import { truncate } from './failure-report.ts';

export const TABLES = [
  'organisations',
  'users',
  'memberships',
  'groups',
  'group_memberships',
  'email_domains',
  'api_keys',
  'sessions',
  'login_traces',
  'audit_events',
  'settings',
  'saml_configurations',
  'oidc_configurations',
  'pending_logins',
  'replay_cache',
  'external_identities',
  'identity_link_requests',
  'login_throttles',
  'password_tokens',
  'login_policies',
] as const satisfies readonly (keyof Database)[];
// sp_keys is left out on purpose: the instance's SP key pairs are created on first use (by
// whichever request needs them first), which is key material appearing, not stored data changing.
export type TableName = (typeof TABLES)[number];

/**
 * Columns written by reads by design: an API key's last use (at most once a minute) and a
 * session's sliding expiry (at most once a minute). They are not "stored data" a refused
 * request could change.
 */
const VOLATILE_COLUMNS: Partial<Record<TableName, string[]>> = {
  api_keys: ['last_used_at'],
  sessions: ['last_seen_at', 'idle_expires_at'],
};

export type Snapshot = Record<TableName, string[]>;

/** Every row of every table, as sorted JSON lines, without the volatile columns. */
export async function snapshot(db: Kysely<Database>): Promise<Snapshot> {
  const out = {} as Snapshot;
  for (const table of TABLES) {
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db);
    const drop = VOLATILE_COLUMNS[table] ?? [];
    out[table] = rows
      .map((row) => {
        const kept = Object.fromEntries(
          Object.entries(row)
            .filter(([k]) => !drop.includes(k))
            .sort(([a], [b]) => (a < b ? -1 : 1)),
        );
        return JSON.stringify(kept, (_k, v) => (typeof v === 'bigint' ? Number(v) : v));
      })
      .sort();
  }
  return out;
}

/** A readable description of what changed between two snapshots (empty when nothing did). */
export function snapshotDiff(before: Snapshot, after: Snapshot, ignore: readonly TableName[] = []): string[] {
  const changes: string[] = [];
  for (const table of TABLES) {
    if (ignore.includes(table)) continue;
    const was = new Set(before[table]);
    const now = new Set(after[table]);
    const removed = before[table].filter((r) => !now.has(r));
    const added = after[table].filter((r) => !was.has(r));
    if (removed.length === 0 && added.length === 0) continue;
    changes.push(
      `${table}: ${removed.length} row(s) removed/changed, ${added.length} row(s) added/changed` +
        removed
          .slice(0, 2)
          .map((r) => `\n    - ${truncate(r, 400)}`)
          .join('') +
        added
          .slice(0, 2)
          .map((r) => `\n    + ${truncate(r, 400)}`)
          .join(''),
    );
  }
  return changes;
}
