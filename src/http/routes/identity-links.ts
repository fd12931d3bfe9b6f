/**
 * Confirming an SSO identity for an instance administrator's account (issue #5): the page the
 * refused SSO sign-in points to (`/login/link`), where the admin signs in with their existing
 * password and confirms, and the instance-admin API to list and confirm requests.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { checkSession } from '../../credentials/sessions.ts';
import { IdentityError } from '../../identity/errors.ts';
import {
  confirmLinkRequest,
  LINK_COOKIE,
  LINK_REQUEST_SECONDS,
  recordLinkRequest,
  signedInByExistingMethod,
} from '../../sso/identity-links.ts';
import type { App, AppContext } from '../context.ts';
import { ApiError } from '../errors.ts';
import { csrfToken, csrfValid } from '../form-csrf.ts';
import { type LinkModel, renderLinkConfirmation } from '../login-page-html.ts';
import { pageSender } from '../page-response.ts';
import { requireInstanceAdmin } from '../principal.ts';
import { errorResponses } from '../schemas.ts';
import { setSessionCookie } from '../session-cookie.ts';
import { ssoRefusal } from '../sso-errors.ts';
import { passwordSignIn } from './password-login.ts';

/**
 * When a sign-in was refused because it would link an admin's account: records the request,
 * binds it to this browser, and returns where the person confirms it.
 */
export async function offerLinkConfirmation(
  ctx: AppContext,
  reply: FastifyReply,
  err: unknown,
  connectionName: string,
): Promise<{ href: string; label: string } | undefined> {
  if (
    !(err instanceof IdentityError) ||
    err.code !== 'identity_link_needs_confirmation' ||
    !err.linkCandidate
  ) {
    return undefined;
  }
  const { id, bindingValue } = await recordLinkRequest(ctx.store, err.linkCandidate, connectionName);
  reply.setCookie(LINK_COOKIE, bindingValue, {
    path: '/login/link',
    httpOnly: true,
    sameSite: 'lax',
    secure: ctx.secureCookies,
    maxAge: LINK_REQUEST_SECONDS,
  });
  return { href: `/login/link?request=${encodeURIComponent(id)}`, label: 'Confirm with your password' };
}

const form = z.object({
  request: z.string().max(64),
  csrf: z.string().max(128).optional(),
  decision: z.enum(['sign-in', 'confirm', 'cancel']),
  email: z.string().max(254).optional(),
  password: z.string().max(1024).optional(),
});

export function registerIdentityLinkRoutes(app: App, ctx: AppContext): void {
  const pages = pageSender(ctx.config);
  const send = (reply: FastifyReply, model: LinkModel, status = 200) =>
    pages.send(reply, renderLinkConfirmation(pages.chrome, model), status);

  /** The signed-in account holder, if this browser's session is theirs. */
  async function holder(request: FastifyRequest, userId: string) {
    const cookie = request.cookies[ctx.config.SESSION_COOKIE_NAME];
    const active = cookie ? await checkSession(ctx.store, ctx.sessionPolicy, cookie) : undefined;
    if (!active || active.user.id !== userId) return undefined;
    return { userId, sessionCreatedAt: active.session.createdAt, sessionMethod: active.session.method };
  }

  /** The request's page, and the account holder if this browser is signed in as them. */
  async function load(request: FastifyRequest, reply: FastifyReply, id: string) {
    const r = await ctx.store.identityLinkRequests.get(id);
    if (!r || r.expiresAt <= Date.now()) return undefined;
    const user = await ctx.store.users.get(r.userId);
    if (!user) return undefined;
    const h = await holder(request, r.userId);
    const page: LinkModel = {
      requestId: id,
      connectionName: r.connectionName,
      email: user.email,
      csrf: csrfToken(ctx, request, reply),
      signedIn: h !== undefined && signedInByExistingMethod(h, r),
    };
    return { page, holder: h };
  }

  const gone = (reply: FastifyReply) =>
    send(
      reply,
      { requestId: '', connectionName: '', email: '', csrf: '', signedIn: false, done: 'cancelled' },
      404,
    );

  app.get(
    '/login/link',
    { schema: { hide: true, querystring: z.object({ request: z.string().max(64) }) } },
    async (request, reply) => {
      const loaded = await load(request, reply, request.query.request);
      return loaded ? send(reply, loaded.page) : gone(reply);
    },
  );

  app.post('/login/link', { schema: { hide: true, body: form } }, async (request, reply) => {
    const b = request.body;
    const loaded = await load(request, reply, b.request);
    if (!loaded) return gone(reply);
    const { page: current, holder: h } = loaded;
    if (!csrfValid(request, b.csrf))
      return send(reply, { ...current, message: 'The form expired. Please try again.' }, 403);
    if (b.decision === 'sign-in') {
      const outcome = await passwordSignIn(ctx, request, {
        email: current.email,
        password: b.password ?? '',
      });
      if (!outcome.ok) {
        const message =
          outcome.code === 'invalid_credentials'
            ? 'The password is wrong.'
            : 'Password sign-in is not possible for this account; ask another instance administrator to confirm the link.';
        return send(reply, { ...current, message }, outcome.status);
      }
      setSessionCookie(ctx, reply, outcome.session.cookieValue, outcome.session.absoluteExpiresAt);
      return send(reply, { ...current, signedIn: true });
    }
    if (b.decision === 'cancel') {
      if (!h) return send(reply, { ...current, message: 'Sign in with your password first.' }, 403);
      await ctx.store.identityLinkRequests.consume(b.request);
      reply.clearCookie(LINK_COOKIE, { path: '/login/link' });
      return send(reply, { ...current, done: 'cancelled' });
    }
    try {
      await ctx.store.transaction((tx) =>
        confirmLinkRequest(tx, b.request, {
          kind: 'account_holder',
          userId: h?.userId ?? '',
          sessionCreatedAt: h?.sessionCreatedAt ?? 0,
          sessionMethod: h?.sessionMethod ?? 'none:',
          binding: request.cookies[LINK_COOKIE],
        }),
      );
    } catch (err) {
      const refusal = ssoRefusal(err);
      if (!refusal) throw err;
      return send(reply, { ...current, message: refusal.message }, refusal.status);
    }
    reply.clearCookie(LINK_COOKIE, { path: '/login/link' });
    return send(reply, { ...current, done: 'linked' });
  });

  const requestSchema = z.object({
    id: z.string(),
    connection: z.string(),
    userId: z.string(),
    subject: z.string(),
    createdAt: z.number(),
    expiresAt: z.number(),
  });

  app.get(
    '/api/v1/identity-link-requests',
    {
      schema: {
        tags: ['identity-links'],
        summary: 'Open requests to link an SSO identity to an instance administrator (instance admin)',
        response: { 200: z.object({ items: z.array(requestSchema) }), ...errorResponses },
      },
    },
    async (request) => {
      await requireInstanceAdmin(ctx, request);
      const items = await ctx.store.identityLinkRequests.listOpen(Date.now());
      return {
        items: items.map((r) => ({
          id: r.id,
          connection: r.connectionName,
          userId: r.userId,
          subject: r.subject,
          createdAt: r.createdAt,
          expiresAt: r.expiresAt,
        })),
      };
    },
  );

  app.post(
    '/api/v1/identity-link-requests/:id/confirm',
    {
      schema: {
        tags: ['identity-links'],
        summary: 'Confirm a link request as another instance administrator (audited)',
        params: z.strictObject({ id: z.string().min(1).max(64) }),
        response: { 204: z.null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const p = await requireInstanceAdmin(ctx, request);
      try {
        await ctx.store.transaction((tx) =>
          confirmLinkRequest(tx, request.params.id, { kind: 'instance_admin', actor: p.actor }),
        );
      } catch (err) {
        const refusal = ssoRefusal(err);
        if (refusal)
          throw new ApiError(refusal.status === 404 ? 'not_found' : 'invalid_request', refusal.message);
        throw err;
      }
      return reply.status(204).send(null);
    },
  );
}
