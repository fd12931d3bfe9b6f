/**
 * CSRF tokens for the HTML forms (login, logout, account linking): a random token in an
 * HttpOnly, SameSite=Strict cookie, repeated in a hidden field and compared in constant time
 * (double submit), on top of the same-origin check every cookie-carrying write gets.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from './context.ts';

const CSRF_COOKIE = 'drawbridge_csrf';

/** This browser's token: the cookie's, or a new one set on `reply`. */
export function csrfToken(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): string {
  const existing = request.cookies[CSRF_COOKIE];
  if (existing && /^[\w-]{43}$/.test(existing)) return existing;
  const token = randomBytes(32).toString('base64url');
  reply.setCookie(CSRF_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: ctx.secureCookies,
  });
  return token;
}

export function csrfValid(request: FastifyRequest, submitted: string | undefined): boolean {
  const cookie = request.cookies[CSRF_COOKIE];
  if (!cookie || !submitted || cookie.length !== submitted.length) return false;
  return timingSafeEqual(Buffer.from(cookie), Buffer.from(submitted));
}
