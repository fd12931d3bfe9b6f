/**
 * What every SSO protocol does once the organisation rules accepted a person, inside the
 * login's transaction: end the browser's previous session (no fixation), start a new one, and
 * write the success trace — one commit with the user's changes.
 */
import type { FastifyRequest } from 'fastify';
import { endSession, type StartedSession, startSession } from '../credentials/sessions.ts';
import type { Repositories } from '../store/store.ts';
import type { AppContext } from './context.ts';

export interface SsoSuccess {
  protocol: 'saml' | 'oidc' | 'custom';
  /** The configuration (or custom connection) name, for the trace and the session's method. */
  configuration: string;
  organisationId: string;
  user: { id: string; email: string };
  /** Protocol facts for the admin's trace (never tokens or secrets). */
  detail: Record<string, unknown>;
  /** The IdP's limit on the session (SAML SessionNotOnOrAfter), if it set one. */
  notAfter?: number | null;
}

/** Reads the previous session cookie now (before the transaction) and returns the in-transaction step. */
export function ssoSessionStep(ctx: AppContext, request: FastifyRequest) {
  const previous = request.cookies[ctx.config.SESSION_COOKIE_NAME];
  return async (tx: Repositories, s: SsoSuccess): Promise<StartedSession> => {
    if (previous) await endSession(tx, previous);
    const started = await startSession(tx, ctx.sessionPolicy, {
      userId: s.user.id,
      method: `${s.protocol}:${s.configuration}`,
      ip: request.ip,
      userAgent: request.headers['user-agent'] ?? null,
      notAfter: s.notAfter ?? null,
    });
    await tx.loginTraces.record({
      organisationId: s.organisationId,
      protocol: s.protocol,
      configuration: s.configuration,
      outcome: 'success',
      code: null,
      message: null,
      email: s.user.email,
      userId: s.user.id,
      ip: request.ip,
      detail: s.detail,
    });
    return started;
  };
}
