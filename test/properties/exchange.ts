/**
 * The core step of the HTTP properties: send one request between two database snapshots,
 * check the answer, and fail if a refused request (or any request meant to be read-only) left
 * a write behind — "never a 500, never a partial write".
 */

import { answerProblem } from './answer-checks.ts';
import { snapshot, snapshotDiff, type TableName } from './database-snapshot.ts';
import { describeOutcome, PropertyViolation } from './failure-report.ts';
import type { Fixture } from './fixture.ts';
import { type Outcome, type Sent, send } from './send.ts';

export interface ExchangeOptions {
  /** Tables a refused request may still write by design (login_traces for sign-in). */
  mayWrite?: readonly TableName[];
  /** Whether a 2xx is acceptable too; if false, the data must be unchanged whatever the answer. */
  readOnly?: boolean;
}

/**
 * Sends one request between two snapshots and checks the answer; a refused request (status
 * ≥ 400) — or any request when `readOnly` — must leave every table as it was.
 */
export async function exchange(f: Fixture, sent: Sent, opts: ExchangeOptions = {}): Promise<Outcome> {
  const before = await snapshot(f.t.db);
  // A failed sign-in records its trace and counts the failure (per account and address).
  const mayWrite: readonly TableName[] = opts.mayWrite?.includes('login_traces')
    ? [...opts.mayWrite, 'login_throttles']
    : (opts.mayWrite ?? []);
  const o = await send(f, sent);
  const problems: string[] = [];
  const problem = answerProblem(o);
  if (problem) problems.push(problem);
  // A 5xx counts as refused too: it must not have left a partial write behind.
  if (o.status >= 400 || opts.readOnly) {
    const changes = snapshotDiff(before, await snapshot(f.t.db), mayWrite);
    if (changes.length > 0) {
      problems.push(
        `${o.status >= 400 ? 'refused' : 'read-only'} request changed stored data:\n  ${changes.join('\n  ')}`,
      );
    }
  }
  if (problems.length > 0) throw new PropertyViolation(`${problems.join('\n')}\n${describeOutcome(o)}`);
  return o;
}
