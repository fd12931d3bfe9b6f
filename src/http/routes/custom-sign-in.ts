/**
 * Custom sign-in endpoints: the trusted-header connection (behind an authenticating proxy)
 * and the configured CustomSignInHandler. Like the SAML ACS: one transaction holds the
 * organisation rules, the new session and the trace; a refusal is a page with a reference.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type {
  CustomConnectionName,
  CustomSignIn,
  CustomSignInRequest,
  FinishedCustomSignIn,
} from '../../sso/custom-sign-in.ts';
import type { Repositories } from '../../store/store.ts';
import type { App, AppContext } from '../context.ts';
import { sendSignInFailure } from '../failure-page.ts';
import { setSessionCookie } from '../session-cookie.ts';
import { perClientPerMinute } from '../sign-in-rate-limits.ts';
import { ssoRefusal } from '../sso-errors.ts';
import { ssoSessionStep } from '../sso-session.ts';

const tags = ['custom-sign-in'];
/** The handler may read any query parameter; `next` is ours. */
const querystring = z.looseObject({ next: z.string().max(2048).optional() });
/** Refusals that mean "not switched on here": nothing happened worth a trace. */
const UNTRACED = new Set(['trusted_header_disabled', 'custom_sign_in_not_configured']);

function signInRequest(request: FastifyRequest): CustomSignInRequest {
  return {
    headers: request.headers,
    query: request.query as CustomSignInRequest['query'],
    ip: request.ip,
    peerAddress: request.socket.remoteAddress ?? null,
    url: request.url,
  };
}

export function registerCustomSignInRoutes(app: App, ctx: AppContext, flow: CustomSignIn): void {
  /** In the login's transaction: a new session id (the old one ended: no fixation) and the trace. */
  function completeWith(request: FastifyRequest, kind: CustomConnectionName) {
    const session = ssoSessionStep(ctx, request);
    return (tx: Repositories, done: FinishedCustomSignIn) =>
      session(tx, {
        protocol: 'custom',
        configuration: kind,
        organisationId: done.connection.organisationId,
        user: done.result.user,
        detail: {
          subject: done.identity.subject,
          emailVerified: done.identity.emailVerified ?? false,
          peerAddress: request.socket.remoteAddress ?? null,
          matchedBy: done.result.matchedBy,
          role: done.result.role,
          groupsAdded: done.result.groupsAdded,
          groupsRemoved: done.result.groupsRemoved,
        },
      });
  }

  async function refuse(
    request: FastifyRequest,
    reply: FastifyReply,
    kind: CustomConnectionName,
    err: unknown,
  ) {
    const refusal = ssoRefusal(err);
    if (!refusal) throw err;
    if (UNTRACED.has(refusal.code)) return sendSignInFailure(request, reply, { ...refusal, reference: null });
    const organisation = await flow.organisation(kind);
    const trace = await ctx.store.loginTraces.record({
      organisationId: organisation?.id ?? null,
      protocol: 'custom',
      configuration: kind,
      outcome: 'failure',
      code: refusal.code,
      message: refusal.message,
      email: null,
      userId: null,
      ip: request.ip,
      // Header names only: their values may be anything a client sent.
      detail: {
        ...(refusal.detail ?? {}),
        peerAddress: request.socket.remoteAddress ?? null,
        headers: Object.keys(request.headers).slice(0, 50),
      },
    });
    ctx.metrics.logins.inc({ protocol: 'custom', outcome: 'failure', code: refusal.code });
    request.log.info({ code: refusal.code, trace: trace.id, connection: kind }, 'custom sign-in refused');
    return sendSignInFailure(request, reply, { ...refusal, reference: trace.id });
  }

  function route(
    kind: CustomConnectionName,
    path: string,
    summary: string,
    run: CustomSignIn['trustedHeader'],
  ) {
    const limit = perClientPerMinute(
      ctx.config.CUSTOM_SIGN_IN_RATE_LIMIT_PER_MINUTE,
      () => `custom-sign-in:${kind}`,
    );
    app.get(
      path,
      { ...limit, schema: { tags, summary, security: [], querystring } },
      async (request, reply) => {
        try {
          const { done, value: session } = await run(
            signInRequest(request),
            request.query.next,
            completeWith(request, kind),
          );
          ctx.metrics.logins.inc({ protocol: 'custom', outcome: 'success', code: 'ok' });
          setSessionCookie(ctx, reply, session.cookieValue, session.absoluteExpiresAt);
          return reply.redirect(done.returnTo, 303);
        } catch (err) {
          return refuse(request, reply, kind, err);
        }
      },
    );
  }

  route(
    'trusted-header',
    '/api/v1/auth/trusted-header/login/',
    'Sign in with the headers of an authenticating proxy (only from TRUSTED_PROXY_CIDRS)',
    flow.trustedHeader,
  );
  route(
    'custom-handler',
    '/api/v1/auth/custom/login/',
    'Sign in through the configured CustomSignInHandler module (CUSTOM_SIGN_IN_HANDLER)',
    flow.custom,
  );
}
