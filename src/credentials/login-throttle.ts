/**
 * Progressive delays after failed password sign-ins, per account and per client address
 * (NIST SP 800-63B §5.2.2, rate limiting). Pure: the counters live in the database
 * (`store.loginThrottles`) so that every instance sees the same ones; this module decides.
 *
 * The first `freeFailures` failures cost nothing; after that each attempt must wait 1 s after
 * the last failure, doubling with every further failure up to `maxDelaySeconds`. A counter is
 * forgotten `memorySeconds` after its last failure.
 */
import { normaliseEmail } from '../store/ids.ts';
import type { ThrottleState } from '../store/repositories/password-accounts.ts';

export interface ThrottlePolicy {
  freeFailures: number;
  maxDelaySeconds: number;
  memorySeconds: number;
}

export type ThrottleDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export function accountKey(email: string): string {
  return `account:${normaliseEmail(email)}`;
}

export function addressKey(ip: string): string {
  return `ip:${ip}`;
}

/** The wait imposed after `failures` consecutive failures, in seconds. */
export function delayAfter(failures: number, policy: ThrottlePolicy): number {
  if (failures < policy.freeFailures) return 0;
  const exponent = failures - policy.freeFailures;
  // 2^30 s already exceeds any allowed maximum; stop there so the number stays finite.
  return Math.min(2 ** Math.min(exponent, 30), policy.maxDelaySeconds);
}

/** Whether an attempt at `now` may proceed, given the counter (or none). */
export function throttleDecision(
  state: ThrottleState | undefined,
  now: number,
  policy: ThrottlePolicy,
): ThrottleDecision {
  if (!state) return { allowed: true };
  if (now - state.lastFailureAt >= policy.memorySeconds * 1000) return { allowed: true };
  const until = state.lastFailureAt + delayAfter(state.failures, policy) * 1000;
  if (now >= until) return { allowed: true };
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)) };
}

/** The stricter of several decisions (the longest wait wins). */
export function combineDecisions(decisions: ThrottleDecision[]): ThrottleDecision {
  let wait = 0;
  for (const d of decisions) if (!d.allowed) wait = Math.max(wait, d.retryAfterSeconds);
  return wait > 0 ? { allowed: false, retryAfterSeconds: wait } : { allowed: true };
}
