/**
 * A person's own sessions: list them (device, address, times), end one, or log out
 * everywhere. Sessions are named by a public id derived from the stored digest, so neither
 * the cookie nor the lookup key ever leaves the server.
 */
import { z } from 'zod';
import { sha256Hex } from '../../credentials/tokens.ts';
import type { App, AppContext } from '../context.ts';
import { ApiError } from '../errors.ts';
import { errorResponses } from '../schemas.ts';
import { clearSessionCookie } from '../session-cookie.ts';
import { requireSessionUser } from './password-accounts.ts';

const tags = ['auth'];

/** The id a session is shown under: not reversible to its lookup key. */
export function publicSessionId(idHash: string): string {
  return sha256Hex(`drawbridge session id:${idHash}`).slice(0, 32);
}

const sessionSchema = z.object({
  id: z.string(),
  current: z.boolean(),
  method: z.string(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  createdAt: z.number(),
  lastSeenAt: z.number(),
  expiresAt: z.number(),
});

export function registerOwnSessionRoutes(app: App, ctx: AppContext): void {
  app.get(
    '/api/v1/auth/sessions',
    {
      schema: {
        tags,
        summary: "The signed-in person's live sessions, newest first",
        response: { 200: z.object({ items: z.array(sessionSchema) }), ...errorResponses },
      },
    },
    async (request) => {
      const { user, currentIdHash } = await requireSessionUser(ctx, request);
      const sessions = await ctx.store.ownSessions.listActive(user.id, Date.now());
      return {
        items: sessions.map((s) => ({
          id: publicSessionId(s.idHash),
          current: s.idHash === currentIdHash,
          method: s.method,
          ip: s.ip,
          userAgent: s.userAgent,
          createdAt: s.createdAt,
          lastSeenAt: s.lastSeenAt,
          expiresAt: Math.min(s.idleExpiresAt, s.absoluteExpiresAt),
        })),
      };
    },
  );

  app.delete(
    '/api/v1/auth/sessions/:sessionId',
    {
      schema: {
        tags,
        summary: 'End one of my sessions (the current one too: that is a logout)',
        params: z.strictObject({ sessionId: z.string().min(1).max(64) }),
        response: { 204: z.null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { user, currentIdHash } = await requireSessionUser(ctx, request);
      const now = Date.now();
      const target = (await ctx.store.ownSessions.listActive(user.id, now)).find(
        (s) => publicSessionId(s.idHash) === request.params.sessionId,
      );
      if (!target || !(await ctx.store.ownSessions.revoke(user.id, target.idHash, now))) {
        throw new ApiError('not_found', 'No such session');
      }
      if (target.idHash === currentIdHash) clearSessionCookie(ctx, reply);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/v1/auth/logout-all',
    {
      schema: {
        tags,
        summary: 'Log out everywhere: end every session of the signed-in person and clear the cookie',
        response: { 200: z.object({ ended: z.number() }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { user } = await requireSessionUser(ctx, request);
      const ended = await ctx.store.transaction(async (tx) => {
        const n = await tx.ownSessions.revokeAllExcept(user.id, null, Date.now());
        await tx.auditEvents.record({
          organisationId: null,
          actor: `user:${user.id}`,
          action: 'user.logout_all',
          targetType: 'user',
          targetId: user.id,
          detail: { ended: n, ip: request.ip },
        });
        return n;
      });
      clearSessionCookie(ctx, reply);
      return { ended };
    },
  );
}
