/**
 * The fixed plan of bench:saml (rounds, warm-ups, users, the server's settings) and the run's
 * options as bench/saml.ts parsed them: what every part of the benchmark and its method text share.
 */

export const ROUNDS = 3;
/** Distinct users of the bench IdP; each logs in twice during the warm-up (created, then returning). */
export const USERS = 100;
export const WARMUP_REQUESTS = 2 * USERS;
/** Discarded ACS logins right before each timed ACS round (the server sat idle meanwhile). */
export const REWARM_REQUESTS = 60;
export const CLOCK_SKEW_SECONDS = 60;
/** Distinct responses the in-process contenders cycle through. */
export const IN_PROCESS_SET = 64;
export const LARGE_RESPONSE_BYTES = 300 * 1024;
/**
 * The server's settings besides bench/lib/server-process.ts's. All the load comes from one
 * loopback address, which the per-client ACS rate limit (SAML_ACS_RATE_LIMIT_PER_MINUTE, 120 by
 * default) would stop after two seconds: it is raised out of the way (the limiter still runs).
 */
export const SERVER_ENV = {
  DRAWBRIDGE_ALLOW_PRIVATE_IDP_URLS: 'true',
  SAML_ACS_RATE_LIMIT_PER_MINUTE: '1000000',
};

/** The command line's choices (bench/saml.ts checks them). */
export interface SamlOptions {
  /** Responses pre-signed for the ACS, each POSTed once (--responses). */
  responses: number;
  /** Concurrent ACS requests (--concurrency). */
  concurrency: number;
  /** Length of one timed round, s (--round-seconds). */
  roundSeconds: number;
  /** Node.js options for the server (--server-node-options). */
  serverNodeOptions: string[];
}
