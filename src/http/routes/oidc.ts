/**
 * The OpenID Connect / OAuth2 endpoints a browser talks to: start a login (redirect to the
 * provider) and the callback the provider redirects back to (DESIGN.md's paths).
 */
import { z } from 'zod';
import { OidcError } from '../../oidc/errors.ts';
import { OIDC_PENDING_SECONDS, type OidcFlow, oidcBindingCookieName } from '../../sso/oidc-flow.ts';
import type { App, AppContext } from '../context.ts';
import { sendSignInFailure } from '../failure-page.ts';
import { setSessionCookie } from '../session-cookie.ts';
import { loginStartLimit, nameParam, perClientPerMinute } from '../sign-in-rate-limits.ts';
import { ssoRefusal } from '../sso-errors.ts';
import { refuseSsoLogin, ssoSessionStep } from '../sso-session.ts';

const tags = ['oidc'];
const nameParams = z.strictObject({ name: z.string().min(1).max(64) });
const BINDING_PATH = '/api/v1/auth/oidc/';
/** Longest callback query we read; real ones are a few hundred bytes. */
const MAX_QUERY = 8 * 1024;

export function registerOidcRoutes(app: App, ctx: AppContext, flow: OidcFlow): void {
  // The provider redirects back with a top-level GET: SameSite=Lax cookies come along.
  const bindingCookie = {
    path: BINDING_PATH,
    httpOnly: true,
    secure: ctx.secureCookies,
    sameSite: 'lax' as const,
    maxAge: OIDC_PENDING_SECONDS,
  };

  app.get(
    '/api/v1/auth/oidc/:name/login/',
    {
      // Each start stores a pending login: one budget per address for every login start.
      ...loginStartLimit(app, ctx.config.SSO_LOGIN_START_RATE_LIMIT_PER_MINUTE),
      schema: {
        tags,
        summary:
          'Start an OpenID Connect / OAuth2 login: redirects to the provider (state, nonce, PKCE S256)',
        security: [],
        params: nameParams,
        querystring: z.object({ next: z.string().max(2048).optional() }),
      },
    },
    async (request, reply) => {
      try {
        const started = await flow.start(request.params.name, request.query.next);
        reply.setCookie(oidcBindingCookieName(started.state), started.bindingValue, bindingCookie);
        return reply.redirect(started.redirectUrl, 302);
      } catch (err) {
        const refusal = ssoRefusal(err);
        if (!refusal) throw err;
        request.log.warn(
          { code: refusal.code, configuration: request.params.name },
          'OIDC login could not start',
        );
        return sendSignInFailure(request, reply, { ...refusal, reference: null });
      }
    },
  );

  app.get(
    '/api/v1/auth/oidc/:name/callback/',
    {
      ...perClientPerMinute(
        ctx.config.OIDC_CALLBACK_RATE_LIMIT_PER_MINUTE,
        (request) => `oidc-callback:${nameParam(request)}`,
      ),
      schema: {
        tags,
        summary: "The provider's redirect back (authorization response): signs the person in",
        security: [],
        params: nameParams,
        // Read raw below: openid-client validates the whole authorization response itself.
        querystring: z.record(z.string(), z.unknown()),
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const raw = request.raw.url ?? '';
      const q = raw.indexOf('?');
      const query = q >= 0 ? raw.slice(q + 1) : '';
      const state = new URLSearchParams(query).get('state');
      try {
        if (query.length > MAX_QUERY)
          throw new OidcError('oidc_claims_malformed', 'The callback query is too long');
        const session = ssoSessionStep(ctx, request);
        const { done, value: started } = await flow.finish(
          { name, query, bindingFor: (s) => request.cookies[oidcBindingCookieName(s)] },
          (tx, done) =>
            session(tx, {
              protocol: 'oidc',
              configuration: name,
              organisationId: done.configuration.organisationId,
              user: done.result.user,
              detail: {
                issuer: typeof done.claims.iss === 'string' ? done.claims.iss : null,
                subject: done.profile.subject,
                emailVerified: done.profile.emailVerified,
                matchedBy: done.result.matchedBy,
                role: done.result.role,
                groupsAdded: done.result.groupsAdded,
                groupsRemoved: done.result.groupsRemoved,
              },
            }),
        );
        ctx.metrics.logins.inc({ protocol: 'oidc', outcome: 'success', code: 'ok' });
        if (state) reply.clearCookie(oidcBindingCookieName(state), { path: BINDING_PATH });
        setSessionCookie(ctx, reply, started.cookieValue, started.absoluteExpiresAt);
        return reply.redirect(done.returnTo, 303);
      } catch (err) {
        const refusal = ssoRefusal(err);
        if (!refusal) throw err;
        if (state) reply.clearCookie(oidcBindingCookieName(state), { path: BINDING_PATH });
        const configuration = await ctx.store.oidcConfigurations.getByName(name);
        return refuseSsoLogin(ctx, request, reply, {
          protocol: 'oidc',
          name,
          organisationId: configuration?.organisationId ?? null,
          refusal,
          err,
          message:
            err instanceof OidcError
              ? "Your identity provider's answer could not be accepted."
              : refusal.message,
          // Never the code or tokens: only which parameters came back.
          detail: { parameters: [...new URLSearchParams(query).keys()].slice(0, 20) },
        });
      }
    },
  );
}
