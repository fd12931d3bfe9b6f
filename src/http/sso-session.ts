/**
 * What every SSO protocol does once the organisation rules accepted a person, inside the
 * login's transaction: end the browser's previous session (no fixation), start a new one, and
 * write the success trace — one commit with the user's changes.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { endSession, type StartedSession, startSession } from '../credentials/sessions.ts';
import type { Repositories } from '../store/store.ts';
import type { AppContext } from './context.ts';
import { sendSignInFailure } from './failure-page.ts';
import { offerLinkConfirmation } from './routes/identity-links.ts';
import { clientAddress } from './sign-in-rate-limits.ts';
import type { SsoRefusal } from './sso-errors.ts';
import { traceBudget, UNKNOWN_CONFIGURATION_TRACES_PER_MINUTE } from './trace-budget.ts';

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

const budgets = new WeakMap<AppContext, ReturnType<typeof traceBudget>>();
function unknownNameBudget(ctx: AppContext) {
  let budget = budgets.get(ctx);
  if (!budget) {
    budget = traceBudget(UNKNOWN_CONFIGURATION_TRACES_PER_MINUTE);
    budgets.set(ctx, budget);
  }
  return budget;
}

export interface SsoFailure {
  protocol: 'saml' | 'oidc';
  /** The configuration name from the URL. */
  name: string;
  /** The configuration's organisation, when the name exists (the trace belongs to its admins). */
  organisationId: string | null;
  refusal: SsoRefusal;
  /** The error itself (may carry an account-link candidate). */
  err: unknown;
  /** What the person reads: protocol details stay in the admin's trace. */
  message: string;
  /** Facts for the trace (never tokens or secrets). */
  detail: Record<string, unknown>;
}

/** A refused SSO sign-in: the admin's trace, metrics and log, and the page (with a link offer). */
export async function refuseSsoLogin(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  f: SsoFailure,
) {
  // A name that does not exist traces only within the address's budget (src/http/trace-budget.ts).
  const traced = f.organisationId !== null || unknownNameBudget(ctx).take(clientAddress(request));
  const trace = traced
    ? await ctx.store.loginTraces.record({
        organisationId: f.organisationId,
        protocol: f.protocol,
        configuration: f.organisationId ? f.name : null,
        outcome: 'failure',
        code: f.refusal.code,
        message: f.refusal.message,
        email: null,
        userId: null,
        ip: request.ip,
        detail: f.detail,
      })
    : null;
  ctx.metrics.logins.inc({ protocol: f.protocol, outcome: 'failure', code: f.refusal.code });
  request.log.info(
    { code: f.refusal.code, trace: trace?.id ?? null, configuration: f.name },
    `${f.protocol.toUpperCase()} login refused${traced ? '' : ' (unknown configuration name, trace budget spent)'}`,
  );
  // An admin's own IdP identity can still be linked: by the admin, with their password.
  const action = await offerLinkConfirmation(ctx, reply, f.err, f.name);
  return sendSignInFailure(request, reply, {
    ...f.refusal,
    message: f.message,
    reference: trace?.id ?? null,
    ...(action ? { action } : {}),
  });
}
