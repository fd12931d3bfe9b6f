/** The session cookie: HttpOnly, SameSite=Lax, Secure when BASE_URL is https. */
import type { FastifyReply } from 'fastify';
import type { AppContext } from './context.ts';

export function setSessionCookie(
  ctx: AppContext,
  reply: FastifyReply,
  value: string,
  absoluteExpiresAt: number,
): void {
  reply.setCookie(ctx.config.SESSION_COOKIE_NAME, value, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: ctx.secureCookies,
    expires: new Date(absoluteExpiresAt),
  });
}

export function clearSessionCookie(ctx: AppContext, reply: FastifyReply): void {
  reply.clearCookie(ctx.config.SESSION_COOKIE_NAME, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: ctx.secureCookies,
  });
}
