/**
 * The pages behind invitation and reset links (`/login/accept-invitation?token=…`,
 * `/login/reset-password?token=…`): the person chooses a password under the same rules and the
 * same single-use token handling as the API; then they sign in as usual.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { App, AppContext } from '../context.ts';
import { ApiError } from '../errors.ts';
import { csrfToken, csrfValid } from '../form-csrf.ts';
import { renderSetPassword, type SetPasswordModel } from '../login-page-html.ts';
import { pageSender } from '../page-response.ts';
import { redeemPasswordToken } from './password-accounts.ts';

const PAGES = [
  ['/login/accept-invitation', 'invitation'],
  ['/login/reset-password', 'reset'],
] as const;

export function registerPasswordPages(app: App, ctx: AppContext): void {
  const pages = pageSender(ctx.config);
  const messages: Record<string, string> = {
    token_invalid: 'This link is unknown, already used or expired. Ask your administrator for a new one.',
    password_too_short: `Use at least ${ctx.config.PASSWORD_MIN_LENGTH} characters.`,
    password_too_long: 'That password is too long.',
    password_too_common: 'That password is too common. Choose another one.',
    password_matches_email: 'Your password may not be your email address.',
  };

  const send = (reply: FastifyReply, m: SetPasswordModel, status = 200) =>
    pages.send(reply, renderSetPassword(pages.chrome, m), status);

  for (const [path, purpose] of PAGES) {
    const model = (request: FastifyRequest, reply: FastifyReply, token: string) => ({
      purpose,
      action: path,
      token,
      csrf: csrfToken(ctx, request, reply),
      minLength: ctx.config.PASSWORD_MIN_LENGTH,
    });

    app.get(
      path,
      { schema: { hide: true, querystring: z.object({ token: z.string().max(256).optional() }) } },
      async (request, reply) => send(reply, model(request, reply, request.query.token ?? '')),
    );

    app.post(
      path,
      {
        schema: {
          hide: true,
          body: z.object({
            token: z.string().max(256),
            password: z.string().max(1024),
            confirm: z.string().max(1024),
            csrf: z.string().max(128).optional(),
          }),
        },
      },
      async (request, reply) => {
        const b = request.body;
        const m = model(request, reply, b.token);
        if (!csrfValid(request, b.csrf))
          return send(reply, { ...m, message: 'The form expired. Please try again.' }, 403);
        if (b.password !== b.confirm) return send(reply, { ...m, message: 'The two passwords differ.' }, 400);
        try {
          await redeemPasswordToken(ctx, request, { purpose, token: b.token, password: b.password });
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
          return send(reply, { ...m, message: messages[err.code] ?? err.message }, err.status);
        }
        return send(reply, { ...m, done: true });
      },
    );
  }
}
