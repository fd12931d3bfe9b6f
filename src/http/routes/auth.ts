/** The current user and logout (DESIGN.md external contract); password sign-in is in password-login.ts. */
import { z } from 'zod';
import { endSession } from '../../credentials/sessions.ts';
import type { App, AppContext } from '../context.ts';
import { ApiError } from '../errors.ts';
import { requirePrincipal } from '../principal.ts';
import { errorResponses } from '../schemas.ts';
import { clearSessionCookie } from '../session-cookie.ts';

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
      // The session check already brought the first organisation and its groups: no query here.
      const first = p.kind === 'organisation_key' ? null : (p.firstMembership ?? null);
      return {
        id: user.id,
        email: user.email,
        firstName: user.firstName,
        lastName: user.lastName,
        organisation: first?.organisation ?? null,
        role: first?.role ?? null,
        groups: first?.groups ?? [],
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
