/**
 * The SAML endpoints a browser and an IdP talk to, at Flagsmith's paths: SP metadata, the
 * SP-initiated login redirect, and the Assertion Consumer Service (HTTP-POST binding).
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { SamlError } from '../../saml/errors.ts';
import { bindingCookieName, PENDING_LOGIN_SECONDS, type SamlFlow } from '../../sso/saml-flow.ts';
import { decodeForTrace } from '../../sso/trace-redaction.ts';
import { sendAutoPost } from '../auto-post-page.ts';
import type { App, AppContext } from '../context.ts';
import { errorBody, handleError } from '../errors.ts';
import { sendSignInFailure } from '../failure-page.ts';
import { setSessionCookie } from '../session-cookie.ts';
import { loginStartLimit, nameParam, perClientPerMinute } from '../sign-in-rate-limits.ts';
import { ssoRefusal } from '../sso-errors.ts';
import { refuseSsoLogin, ssoSessionStep } from '../sso-session.ts';

const tags = ['saml'];
const nameParams = z.strictObject({ name: z.string().min(1).max(64) });
/** Base64 of the 256 KiB XML limit, plus the form's other fields. */
const ACS_BODY_LIMIT = 400 * 1024;
const BINDING_PATH = '/api/v1/auth/saml/';

export function registerSamlRoutes(app: App, ctx: AppContext, flow: SamlFlow): void {
  // https: the binding cookie must survive the IdP's cross-site POST (SameSite=None; Secure).
  // http (development): no SameSite attribute at all — `false`, because @fastify/cookie writes
  // SameSite=Lax when none is given, and Chromium never sends an explicitly Lax cookie on a
  // cross-site POST. Without the attribute its lax-by-default rule still lets a fresh cookie
  // through on a top-level POST (the "Lax+POST" allowance, for two minutes).
  const bindingCookie = (value: string) => ({
    path: BINDING_PATH,
    httpOnly: true,
    secure: ctx.secureCookies || ctx.config.SAML_FORCE_SSL,
    maxAge: PENDING_LOGIN_SECONDS,
    sameSite: ctx.secureCookies || ctx.config.SAML_FORCE_SSL ? ('none' as const) : false,
    value,
  });

  app.get(
    '/api/v1/auth/saml/:name/metadata/',
    {
      schema: {
        tags,
        summary: 'SP metadata of a SAML configuration (give it to the IdP)',
        security: [],
        params: nameParams,
        querystring: z.strictObject({ download: z.enum(['0', '1', 'true', 'false']).optional() }),
      },
    },
    async (request, reply) => {
      try {
        const xml = await flow.metadata(request.params.name);
        const download = request.query.download === '1' || request.query.download === 'true';
        if (download)
          reply.header(
            'content-disposition',
            `attachment; filename="${request.params.name}-sp-metadata.xml"`,
          );
        return reply.type('application/samlmetadata+xml').send(xml);
      } catch (err) {
        const refusal = ssoRefusal(err);
        if (!refusal) throw err;
        return reply.status(refusal.status).send(errorBody('not_found', refusal.message));
      }
    },
  );

  app.get(
    '/api/v1/auth/saml/login/',
    {
      schema: {
        tags,
        summary: "Start a login with the instance's default SAML configuration (SAML_DEFAULT_CONFIGURATION)",
        security: [],
        querystring: z.object({ next: z.string().max(2048).optional() }),
      },
    },
    async (request, reply) => {
      const name = ctx.config.SAML_DEFAULT_CONFIGURATION;
      if (!name) {
        return sendSignInFailure(request, reply, {
          status: 404,
          code: 'saml_configuration_not_found',
          message: 'No default SAML configuration is set; ask for the configuration name',
          reference: null,
        });
      }
      const next = request.query.next ? `?next=${encodeURIComponent(request.query.next)}` : '';
      return reply.redirect(`/api/v1/auth/saml/${encodeURIComponent(name)}/login/${next}`, 302);
    },
  );

  app.get(
    '/api/v1/auth/saml/:name/login/',
    {
      // Each start stores a pending login: one budget per address for every login start.
      ...loginStartLimit(app, ctx.config.SSO_LOGIN_START_RATE_LIMIT_PER_MINUTE),
      schema: {
        tags,
        summary: 'Start an SP-initiated login: redirects to the IdP with an AuthnRequest',
        security: [],
        params: nameParams,
        querystring: z.object({ next: z.string().max(2048).optional() }),
      },
    },
    async (request, reply) => {
      try {
        const started = await flow.start(request.params.name, request.query.next);
        const { value, ...options } = bindingCookie(started.bindingValue);
        reply.setCookie(bindingCookieName(started.requestId), value, options);
        if (started.post) return sendAutoPost(reply, started.post.action, started.post.fields);
        return reply.redirect(started.redirectUrl!, 302);
      } catch (err) {
        const refusal = ssoRefusal(err);
        if (!refusal) throw err;
        return sendSignInFailure(request, reply, { ...refusal, reference: null });
      }
    },
  );

  /**
   * A body over the ACS limit never reaches the handler (Fastify stops reading it), but it is
   * still a refused login: the same code as an oversized SAMLResponse, and a trace.
   */
  const acsErrors = async (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error.code !== 'FST_ERR_CTP_BODY_TOO_LARGE') return handleError(error, request, reply);
    const name = nameParam(request);
    const configuration = await ctx.store.samlConfigurations.getForLogin(name);
    const err = new SamlError(
      'saml_response_too_large',
      `The posted body is larger than the ${ACS_BODY_LIMIT / 1024} KiB the ACS accepts`,
    );
    return refuseSsoLogin(ctx, request, reply, {
      protocol: 'saml',
      name,
      organisationId: configuration?.organisationId ?? null,
      refusal: ssoRefusal(err)!,
      err,
      message: "Your identity provider's answer could not be accepted.",
      detail: { contentLength: request.headers['content-length'] ?? null },
    });
  };

  // SAML Profiles §4.1.2: the ACS takes the HTTP-POST binding only. A GET (a response on the
  // HTTP-Redirect binding, or a reload of the ACS address) reads nothing and says what would do.
  app.get('/api/v1/auth/saml/:name/response/', { schema: { hide: true } }, async (_request, reply) =>
    reply
      .header('allow', 'POST')
      .status(405)
      .send(
        errorBody('method_not_allowed', 'The assertion consumer service takes the HTTP-POST binding only'),
      ),
  );

  const acsLimit = perClientPerMinute(
    ctx.config.SAML_ACS_RATE_LIMIT_PER_MINUTE,
    (request) => `saml-acs:${nameParam(request)}`,
    acsErrors,
  );
  app.post(
    '/api/v1/auth/saml/:name/response/',
    {
      bodyLimit: ACS_BODY_LIMIT,
      ...acsLimit,
      config: { ...acsLimit.config, crossSitePost: true },
      schema: {
        tags,
        summary: 'Assertion Consumer Service (HTTP-POST binding)',
        security: [],
        params: nameParams,
        body: z.object({ SAMLResponse: z.string().min(1), RelayState: z.string().max(1024).optional() }),
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const { SAMLResponse, RelayState } = request.body;
      try {
        const session = ssoSessionStep(ctx, request);
        const { done, value: started } = await flow.finish(
          {
            name,
            samlResponse: SAMLResponse,
            relayState: RelayState ?? null,
            bindingFor: (requestId) => request.cookies[bindingCookieName(requestId)],
          },
          (tx, done) =>
            session(tx, {
              protocol: 'saml',
              configuration: name,
              organisationId: done.configuration.organisationId,
              user: done.result.user,
              notAfter: done.assertion.sessionNotOnOrAfter,
              detail: {
                issuer: done.assertion.issuer,
                assertionId: done.assertion.assertionId,
                inResponseTo: done.assertion.inResponseTo,
                matchedBy: done.result.matchedBy,
                role: done.result.role,
                groupsAdded: done.result.groupsAdded,
                groupsRemoved: done.result.groupsRemoved,
                notes: done.profile.notes,
              },
            }),
        );
        ctx.metrics.logins.inc({ protocol: 'saml', outcome: 'success', code: 'ok' });
        if (done.assertion.inResponseTo)
          reply.clearCookie(bindingCookieName(done.assertion.inResponseTo), { path: BINDING_PATH });
        setSessionCookie(ctx, reply, started.cookieValue, started.absoluteExpiresAt);
        return reply.redirect(done.returnTo, 303);
      } catch (err) {
        const refusal = ssoRefusal(err);
        if (!refusal) throw err;
        const configuration = await ctx.store.samlConfigurations.getForLogin(name);
        return refuseSsoLogin(ctx, request, reply, {
          protocol: 'saml',
          name,
          organisationId: configuration?.organisationId ?? null,
          refusal,
          err,
          message:
            err instanceof SamlError
              ? "Your identity provider's answer could not be accepted."
              : refusal.message,
          detail: { ...(refusal.detail ?? {}), response: decodeForTrace(SAMLResponse) },
        });
      }
    },
  );
}
