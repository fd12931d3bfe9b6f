/**
 * The invariants every answer of the app must keep, whatever was sent: never a 5xx, and every
 * error in the one wire format with a code from the closed set and the status the table in
 * src/http/errors.ts gives that code.
 */

import { wireErrorStatus } from '../../src/http/errors.ts';
import { describeOutcome, PropertyViolation } from './failure-report.ts';
import type { Outcome } from './send.ts';

const SNAKE_CASE = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;

/**
 * The invariants of every answer: no 5xx, and an error is `{ error: { code, message } }` with
 * a lowercase snake_case code from the closed set, sent with the status the table gives it.
 */
export function answerProblem(o: Outcome): string | undefined {
  if (o.status >= 500) return `server error ${o.status}`;
  if (o.status < 400) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(o.body);
  } catch {
    return 'error body is not JSON';
  }
  const error = (parsed as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    typeof error !== 'object' ||
    error === null ||
    typeof error.code !== 'string' ||
    typeof error.message !== 'string'
  ) {
    return 'error body is not { error: { code, message } }';
  }
  if (!SNAKE_CASE.test(error.code)) return `error code ${JSON.stringify(error.code)} is not snake_case`;
  const expected = wireErrorStatus(error.code);
  if (expected === undefined) return `error code ${JSON.stringify(error.code)} is not a known wire code`;
  if (expected !== o.status)
    return `error code ${error.code} belongs with ${expected} but came with ${o.status}`;
  if (!o.contentType?.startsWith('application/json')) return `error content-type is ${o.contentType}`;
  return undefined;
}

export function checkAnswer(o: Outcome): void {
  const problem = answerProblem(o);
  if (problem) throw new PropertyViolation(`${problem}\n${describeOutcome(o)}`);
}

export function errorCode(o: Outcome): string | undefined {
  try {
    return (JSON.parse(o.body) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}
