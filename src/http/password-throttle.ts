/**
 * The progressive delays in front of every password check (sign-in, and a password change's
 * current password): one counter per account and one per client address, kept in the database
 * so every instance counts the same failures (src/credentials/login-throttle.ts has the rules).
 */
import type { Config } from '../config/schema.ts';
import {
  accountKey,
  addressKey,
  combineDecisions,
  type ThrottleDecision,
  type ThrottlePolicy,
  throttleDecision,
} from '../credentials/login-throttle.ts';
import type { Store } from '../store/store.ts';

export function throttlePolicies(config: Config): { account: ThrottlePolicy; address: ThrottlePolicy } {
  const common = {
    maxDelaySeconds: config.LOGIN_MAX_DELAY_SECONDS,
    memorySeconds: config.LOGIN_FAILURE_MEMORY_SECONDS,
  };
  return {
    account: { ...common, freeFailures: config.LOGIN_FREE_FAILURES_PER_ACCOUNT },
    address: { ...common, freeFailures: config.LOGIN_FREE_FAILURES_PER_IP },
  };
}

export interface PasswordAttempt {
  /** The counters' keys: the account's (by email, whether or not it exists) and the address's. */
  keys: { account: string; address: string };
  /** Whether a password may be checked now, or how long to wait. */
  decide(): Promise<ThrottleDecision>;
  /** Counts a wrong password against both. */
  fail(): Promise<void>;
}

/** The throttle for one attempt by `email` from `ip` at `now`. */
export function passwordAttempt(
  config: Config,
  store: Pick<Store, 'loginThrottles'>,
  email: string,
  ip: string,
  now: number,
): PasswordAttempt {
  const policies = throttlePolicies(config);
  const keys = { account: accountKey(email), address: addressKey(ip) };
  return {
    keys,
    async decide() {
      const states = await store.loginThrottles.get([keys.account, keys.address]);
      return combineDecisions([
        throttleDecision(
          states.find((s) => s.key === keys.account),
          now,
          policies.account,
        ),
        throttleDecision(
          states.find((s) => s.key === keys.address),
          now,
          policies.address,
        ),
      ]);
    },
    async fail() {
      const forgetBefore = now - config.LOGIN_FAILURE_MEMORY_SECONDS * 1000;
      await store.loginThrottles.recordFailure(keys.account, now, forgetBefore);
      await store.loginThrottles.recordFailure(keys.address, now, forgetBefore);
    },
  };
}
