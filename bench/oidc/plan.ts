/**
 * The fixed plan of bench:oidc (rounds, warm-ups, people, the server's settings) and the run's
 * options as bench/oidc.ts parsed them: what every part of the benchmark and its method text share.
 */
import type { Alg } from './jwt.ts';

export const ROUNDS = 3;
/** Distinct people at the provider; each signs in twice during the warm-up (created, then returning). */
export const USERS = 100;
export const WARMUP_CALLBACKS = 2 * USERS;
/** Discarded callbacks right before each round's timed ones (the server sat idle meanwhile). */
export const REWARM_CALLBACKS = 20;
/** Groups in Drawbridge with these externalIds; the ID tokens carry them and a few unmapped ones. */
export const MAPPED_GROUPS = ['engineering', 'sso-admins', 'sales', 'support'] as const;
export const UNMAPPED_GROUPS = ['Everyone', 'okta-users', 'vpn'] as const;
/** Distinct tokens the in-process contenders cycle through, per algorithm. */
export const IN_PROCESS_SET = 64;
export const CLOCK_SKEW_SECONDS = 60;
export const MAX_AGE_SECONDS = 3_600;
/** With --wait-quiet, a callback run during which other processes used more than this is repeated. */
export const SEGMENT_OTHER_LIMIT_PCT = 15;
export const LOGIN_START_CONCURRENCY = 8;
/** The durable-commit floor: at most this many insert/delete pairs, or this long, per round. */
export const COMMITS_MAX = 100;
export const COMMIT_SECONDS = 0.5;
/**
 * The server's settings besides bench/lib/server-process.ts's: the stub runs on 127.0.0.1, and
 * discovery and keys are fetched once and kept for the whole run (the defaults would too; set
 * so a longer run cannot refetch in the middle).
 */
export const SERVER_ENV = {
  DRAWBRIDGE_ALLOW_PRIVATE_IDP_URLS: 'true',
  OIDC_JWKS_COOLDOWN_SECONDS: '30',
  OIDC_JWKS_MAX_AGE_SECONDS: '3600',
  OIDC_DISCOVERY_MAX_AGE_SECONDS: '3600',
  // All logins start and finish from one loopback address; the limiters still run.
  OIDC_CALLBACK_RATE_LIMIT_PER_MINUTE: '1000000',
  SSO_LOGIN_START_RATE_LIMIT_PER_MINUTE: '1000000',
};

/** The command line's choices (bench/oidc.ts checks them). */
export interface OidcOptions {
  /** Algorithm of the callbacks' ID tokens (--alg). */
  alg: Alg;
  /** Callbacks at a time in the throughput run (--concurrency). */
  concurrency: number;
  /** Callbacks at a time in the profiled run (--profile-concurrency). */
  profileConcurrency: number;
  /** Longest timed callback run, s (--round-seconds). */
  roundSeconds: number;
  sequentialMax: number;
  concurrentMax: number;
  /** One timed round of each validation contender, s (--verify-seconds). */
  verifySeconds: number;
}
