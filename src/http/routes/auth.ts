/** Password sign-in, the current user, and logout (DESIGN.md external contract). */
import { z } from 'zod';
import { verifyPassword } from '../../credentials/passwords.ts';
import { endSession, startSession } from '../../credentials/sessions.ts';
import type { App, AppContext } from '../context.ts';
import { ApiError, type ApiErrorCode } from '../errors.ts';
import { requirePrincipal } from '../principal.ts';
import { errorResponses } from '../schemas.ts';
import { clearSessionCookie, setSessionCookie } from '../session-cookie.ts';

const meSchema = z.object({
  id: z.string(),
  email: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  organisation: z.object({ id: z.string(), name: z.string(), slug: z.string() }).nullable(),
  role: z.string().nullable(),
  groups: z.array(z.object({ id: z.string(), name: z.string(), externalId: z.string().nullable() })),
  attributes: z.record(z.string(), z.unknown()),
  isInstanceAdmin: z.boolean(),
});

export function registerAuthRoutes(app: App, ctx: AppContext): void {
  app.post(
    '/api/v1/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in with email and password; sets the session cookie',
        security: [],
        body: z.strictObject({ email: z.string().max(254), password: z.string().max(1024) }),
        response: { 200: z.object({ userId: z.string() }), ...errorResponses, 429: errorResponses[400] },
      },
    },
    async (request, reply) => {
      const { email, password } = request.body;
      // A trace belongs to the person's (first) organisation so that its admins can read it.
      const trace = async (
        outcome: 'success' | 'failure',
        code: ApiErrorCode | null,
        message: string | null,
        userId: string | null,
      ) => {
        ctx.metrics.logins.inc({ protocol: 'password', outcome, code: code ?? 'ok' });
        const organisationId = userId
          ? ((await ctx.store.memberships.listForUser(userId))[0]?.organisationId ?? null)
          : null;
        await ctx.store.loginTraces.record({
          organisationId,
          protocol: 'password',
          configuration: null,
          outcome,
          code,
          message,
          email: email.slice(0, 254),
          userId,
          ip: request.ip,
          detail: {},
        });
      };
      const fail = async (code: ApiErrorCode, message: string, userId: string | null) => {
        await trace('failure', code, message, userId);
        return new ApiError(code, message);
      };
      if (!ctx.config.PASSWORD_LOGIN_ENABLED) {
        throw await fail(
          'password_login_disabled',
          'Password sign-in is switched off on this instance',
          null,
        );
      }
      const user = await ctx.store.users.getByEmail(email);
      const hash = user ? await ctx.store.users.getPasswordHash(user.id) : null;
      // The hash is verified (or a dummy one) whether or not the user exists: same work, same answer.
      const ok = await verifyPassword(hash, password);
      if (!user || !ok)
        throw await fail('invalid_credentials', 'The email or password is wrong', user?.id ?? null);
      if (user.disabled) throw await fail('account_disabled', 'This account is disabled', user.id);
      // A fresh session id at every sign-in (no fixation); an old cookie is ended first.
      const previous = request.cookies[ctx.config.SESSION_COOKIE_NAME];
      if (previous) await endSession(ctx.store, previous);
      const started = await startSession(ctx.store, ctx.sessionPolicy, {
        userId: user.id,
        method: 'password',
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
      });
      await trace('success', null, null, user.id);
      setSessionCookie(ctx, reply, started.cookieValue, started.absoluteExpiresAt);
      return { userId: user.id };
    },
  );

  app.get(
    '/api/v1/auth/me',
    {
      schema: {
        tags: ['auth'],
        summary: 'The signed-in user, their organisation, role, groups and attributes',
        response: { 200: meSchema, 401: errorResponses[401] },
      },
    },
    async (request) => {
      const p = await requirePrincipal(ctx, request);
      const user = p.kind === 'user' ? p.user : p.kind === 'instance_admin' ? p.user : undefined;
      if (!user) throw new ApiError('unauthorized', 'An API key is not a user; sign in to use /auth/me');
      // The session check already brought the first organisation; only the groups remain.
      const first = p.kind === 'organisation_key' ? null : (p.firstMembership ?? null);
      const allGroups = first ? await ctx.store.groups.listForUser(user.id) : [];
      const groups = first ? allGroups.filter((g) => g.organisationId === first.organisation.id) : [];
      return {
        id: user.id,
        email: user.email,
        firstName: user.firstName,
        lastName: user.lastName,
        organisation: first?.organisation ?? null,
        role: first?.role ?? null,
        groups: groups.map((g) => ({ id: g.id, name: g.name, externalId: g.externalId })),
        attributes: user.attributes,
        isInstanceAdmin: user.isInstanceAdmin,
      };
    },
  );

  app.post(
    '/api/v1/auth/logout',
    {
      schema: {
        tags: ['auth'],
        summary: 'End the current session and clear its cookie',
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      const cookie = request.cookies[ctx.config.SESSION_COOKIE_NAME];
      if (cookie) await endSession(ctx.store, cookie);
      clearSessionCookie(ctx, reply);
      return reply.status(204).send(null);
    },
  );
}
