/**
 * Progressive delays after failed password sign-ins, per account and per client address
 * (NIST SP 800-63B §5.2.2, rate limiting). Pure: the counters live in the database
 * (`store.loginThrottles`) so that every instance sees the same ones; this module decides.
 *
 * The first `freeFailures` failures cost nothing; after that each attempt must wait 1 s after
 * the last failure, doubling with every further failure up to `maxDelaySeconds`. A counter is
 * forgotten `memorySeconds` after its last failure.
 */
import { isIPv6 } from 'node:net';
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

/**
 * The client address a counter is kept for: an IPv4 address as is (an IPv4-mapped IPv6 address
 * as its IPv4 form), an IPv6 address by its /64 prefix — one subscriber usually holds a whole
 * /64, so counting single IPv6 addresses would let one client rotate through 2^64 of them.
 */
export function addressKey(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return `ip:${mapped[1]}`;
  if (!isIPv6(ip)) return `ip:${ip}`;
  return `ip:${expandIPv6(ip).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, lowercase, without leading zeros. */
function expandIPv6(ip: string): string[] {
  const bare = ip.split('%')[0]!; // no zone index
  const [head = '', tail] = bare.split('::') as [string, string | undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':'));
  let groups = parse(head);
  let rest = tail === undefined ? [] : parse(tail);
  // A trailing dotted IPv4 part counts as two groups.
  const toHex = (list: string[]) =>
    list.flatMap((g) => {
      if (!g.includes('.')) return [g];
      const [a, b, c, d] = g.split('.').map(Number) as [number, number, number, number];
      return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
    });
  groups = toHex(groups);
  rest = toHex(rest);
  const missing = tail === undefined ? 0 : 8 - groups.length - rest.length;
  return [...groups, ...Array(missing).fill('0'), ...rest].map((g) => Number.parseInt(g, 16).toString(16));
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
