/**
 * Per-client rate limits of the sign-in routes anyone can reach without a credential: the SAML
 * ACS, the OIDC callback, the SSO login starts (each writes a pending login) and the custom
 * sign-in routes (each refusal writes a trace).
 *
 * A limited request is refused in `onRequest` — before its body is read, before any database
 * read or write and before any request to an IdP — with 429 `rate_limited` and `Retry-After`:
 * the sign-in failure page these routes answer every refusal with, or the JSON error when the
 * client asked for JSON. @fastify/rate-limit counts in memory: each instance keeps its own
 * counters (behind a load balancer, N instances let a client through up to N times the limit).
 */
import { normalizeIP } from '@fastify/rate-limit';
import type { FastifyError, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { App } from './context.ts';
import { ApiError, handleError } from './errors.ts';
import { sendSignInFailure } from './failure-page.ts';

const WINDOW_MS = 60_000;

/**
 * The address a limit counts: Fastify's request.ip (which follows TRUST_PROXY), IPv4-mapped
 * IPv6 as IPv4, and other IPv6 addresses by their /64 — one subscriber usually holds a whole
 * /64, and counting single addresses would give them 2^64 budgets.
 */
export function clientAddress(request: FastifyRequest): string {
  return normalizeIP(request.ip);
}

/** The route's name parameter (the limit's key is computed before the schema validates it). */
export function nameParam(request: FastifyRequest): string {
  return (request.params as { name?: string }).name ?? '';
}

type RouteErrorHandler = (err: FastifyError, request: FastifyRequest, reply: FastifyReply) => unknown;

/**
 * A route's error handler: a limited request gets the sign-in failure page (JSON when asked);
 * every other error goes to `otherErrors` (the app's error handler unless the route has its own).
 */
function signInErrors(otherErrors: RouteErrorHandler = handleError): RouteErrorHandler {
  return (err, request, reply) => {
    if (err instanceof ApiError && err.code === 'rate_limited') {
      return sendSignInFailure(request, reply, {
        status: 429,
        code: 'rate_limited',
        message: err.message,
        reference: null,
      });
    }
    return otherErrors(err, request, reply);
  };
}

/**
 * Route options for a limit of `max` requests a minute per `scope` and client address, counted
 * by this route alone; `otherErrors` handles the route's other errors (see signInErrors).
 */
export function perClientPerMinute(
  max: number,
  scope: (request: FastifyRequest) => string,
  otherErrors?: RouteErrorHandler,
) {
  return {
    config: {
      rateLimit: {
        max,
        timeWindow: WINDOW_MS,
        keyGenerator: (request: FastifyRequest) => `${scope(request)}:${clientAddress(request)}`,
      },
    },
    errorHandler: signInErrors(otherErrors),
  };
}

const loginStartHooks = new WeakMap<App, onRequestAsyncHookHandler>();

/**
 * Route options for SSO_LOGIN_START_RATE_LIMIT_PER_MINUTE: one budget per client address shared
 * by every login-start route of the app (SAML and OIDC, every configuration name), so a client
 * cannot multiply it by naming more configurations, real or invented. Every route that asks
 * gets the same limiter (one counter store per app).
 */
export function loginStartLimit(app: App, max: number) {
  let hook = loginStartHooks.get(app);
  if (!hook) {
    hook = app.rateLimit({
      max,
      timeWindow: WINDOW_MS,
      keyGenerator: (request: FastifyRequest) => `sso-login-start:${clientAddress(request)}`,
    });
    loginStartHooks.set(app, hook);
  }
  return { onRequest: hook, errorHandler: signInErrors() };
}
