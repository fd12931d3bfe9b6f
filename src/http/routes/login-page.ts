/**
 * The login page (`/login`): email first, then home-realm discovery — an email whose domain an
 * organisation verified and signs in with SSO goes straight to that organisation's identity
 * provider; anyone else gets a password field. "Single Sign-On" asks for a configuration name
 * (Flagsmith's prompt) unless SAML_DEFAULT_CONFIGURATION is set; social buttons for the
 * instance-wide connections. Forms carry a CSRF token (double-submit cookie) besides the
 * same-origin check every cookie-carrying write gets.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { endSession } from '../../credentials/sessions.ts';
import { safeReturnUrl } from '../../sso/return-path.ts';
import type { App, AppContext } from '../context.ts';
import { csrfToken, csrfValid } from '../form-csrf.ts';
import {
  LOGIN_STYLE_PATH,
  type LoginModel,
  loginStylesheet,
  renderLogin,
  renderSignedIn,
} from '../login-page-html.ts';
import { pageSender } from '../page-response.ts';
import { principalOf } from '../principal.ts';
import { clearSessionCookie, setSessionCookie } from '../session-cookie.ts';
import { passwordSignIn, ssoLocation } from './password-login.ts';

const SOCIAL_LABELS: Record<string, string> = {
  google: 'Sign in with Google',
  microsoft: 'Sign in with Microsoft',
  github: 'Sign in with GitHub',
};

/** What a person reads for each refusal; never whether an email exists. */
const MESSAGES: Record<string, string> = {
  invalid_credentials: 'The email or password is wrong.',
  account_disabled: 'This account is disabled. Ask your administrator.',
  password_login_disabled: 'Password sign-in is switched off here. Use single sign-on.',
  login_method_not_allowed: 'Your organisation does not allow password sign-in. Use single sign-on.',
  sso_required: 'Your organisation signs in with single sign-on.',
  csrf_token_mismatch: 'The form expired. Please try again.',
  sso_not_found: 'There is no single sign-on configuration with that name.',
};

const form = z.object({
  email: z.string().max(254).optional(),
  password: z.string().max(1024).optional(),
  name: z.string().max(64).optional(),
  next: z.string().max(2048).optional(),
  csrf: z.string().max(128).optional(),
});
type Form = z.infer<typeof form>;

export function registerLoginPageRoutes(app: App, ctx: AppContext): void {
  const { config } = ctx;
  const stylesheet = loginStylesheet(config.LOGIN_THEME);
  const pages = pageSender(config);

  const safeNext = (next: string | undefined) =>
    safeReturnUrl(next, config.BASE_URL, config.ALLOWED_REDIRECT_ORIGINS, `${config.BASE_URL}/`);

  const csrf = (request: FastifyRequest, reply: FastifyReply) => csrfToken(ctx, request, reply);
  const csrfOk = (request: FastifyRequest, body: Form) => csrfValid(request, body.csrf);

  async function socialButtons(next: string): Promise<LoginModel['socialButtons']> {
    const names = config.LOGIN_SOCIAL_CONNECTIONS ?? Object.keys(SOCIAL_LABELS);
    const buttons: LoginModel['socialButtons'] = [];
    for (const name of names) {
      const c = await ctx.store.oidcConfigurations.getByName(name);
      // Without an explicit list, only the instance-wide (environment) connections are offered.
      if (!c?.enabled || (!config.LOGIN_SOCIAL_CONNECTIONS && c.source !== 'env')) continue;
      buttons.push({
        href: `/api/v1/auth/oidc/${encodeURIComponent(name)}/login/?next=${encodeURIComponent(next)}`,
        label: SOCIAL_LABELS[c.provider] ?? `Sign in with ${name}`,
      });
    }
    return buttons;
  }

  async function page(
    request: FastifyRequest,
    reply: FastifyReply,
    step: LoginModel['step'],
    fields: { next: string; email?: string; ssoName?: string; message?: string },
    status = 200,
  ) {
    const model: LoginModel = {
      step,
      next: fields.next,
      csrf: csrf(request, reply),
      ...(fields.email !== undefined ? { email: fields.email } : {}),
      ...(fields.ssoName !== undefined ? { ssoName: fields.ssoName } : {}),
      ...(fields.message !== undefined ? { message: fields.message } : {}),
      socialButtons: step === 'sso-name' ? [] : await socialButtons(fields.next),
      ssoLink: step === 'sso-name' ? null : `/login/sso?next=${encodeURIComponent(fields.next)}`,
    };
    return pages.send(reply, renderLogin(pages.chrome, model), status);
  }

  /** Where an email's domain signs in, when an organisation verified it and has SSO. */
  async function homeRealm(email: string): Promise<string | null> {
    const at = email.lastIndexOf('@');
    if (at <= 0) return null;
    const domain = await ctx.store.domains.getByDomain(email.slice(at + 1).toLowerCase());
    if (!domain?.verified) return null;
    return ssoLocation(ctx.store, config, domain.organisationId);
  }

  const withNext = (location: string, next: string) =>
    `${location}${location.includes('?') ? '&' : '?'}next=${encodeURIComponent(next)}`;

  const query = z.object({ next: z.string().max(2048).optional() });
  const hidden = { hide: true };

  app.get(LOGIN_STYLE_PATH, { schema: hidden }, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=300').send(stylesheet),
  );

  app.get('/login', { schema: { ...hidden, querystring: query } }, async (request, reply) =>
    page(request, reply, 'email', { next: request.query.next ?? '/' }),
  );

  app.post('/login', { schema: { ...hidden, body: form } }, async (request, reply) => {
    const b = request.body;
    const next = b.next ?? '/';
    if (!csrfOk(request, b))
      return page(request, reply, 'email', { next, message: MESSAGES.csrf_token_mismatch! }, 403);
    const email = (b.email ?? '').trim();
    if (!/^[^@\s]+@[^@\s]+$/.test(email)) {
      return page(
        request,
        reply,
        'email',
        { next, email, message: 'Enter your email address, like name@example.com.' },
        400,
      );
    }
    const realm = await homeRealm(email);
    if (realm) return reply.redirect(withNext(realm, next), 303);
    return page(request, reply, 'password', { next, email });
  });

  app.post('/login/password', { schema: { ...hidden, body: form } }, async (request, reply) => {
    const b = request.body;
    const next = b.next ?? '/';
    const email = (b.email ?? '').trim();
    if (!csrfOk(request, b))
      return page(request, reply, 'email', { next, message: MESSAGES.csrf_token_mismatch! }, 403);
    const outcome = await passwordSignIn(ctx, request, { email, password: b.password ?? '' });
    if (outcome.ok) {
      setSessionCookie(ctx, reply, outcome.session.cookieValue, outcome.session.absoluteExpiresAt);
      return reply.redirect(safeNext(next), 303);
    }
    const location = (outcome.details as { location?: string | null } | undefined)?.location;
    if ((outcome.code === 'sso_required' || outcome.code === 'login_method_not_allowed') && location) {
      return reply.redirect(withNext(location, next), 303);
    }
    if (outcome.retryAfterSeconds !== undefined)
      reply.header('retry-after', String(outcome.retryAfterSeconds));
    const message =
      outcome.code === 'rate_limited'
        ? `Too many attempts. Try again in ${outcome.retryAfterSeconds} seconds.`
        : (MESSAGES[outcome.code] ?? 'You could not be signed in.');
    return page(request, reply, 'password', { next, email, message }, outcome.status);
  });

  app.get('/login/sso', { schema: { ...hidden, querystring: query } }, async (request, reply) => {
    const next = request.query.next ?? '/';
    if (config.SAML_DEFAULT_CONFIGURATION)
      return reply.redirect(withNext('/api/v1/auth/saml/login/', next), 303);
    return page(request, reply, 'sso-name', { next });
  });

  app.post('/login/sso', { schema: { ...hidden, body: form } }, async (request, reply) => {
    const b = request.body;
    const next = b.next ?? '/';
    if (!csrfOk(request, b))
      return page(request, reply, 'sso-name', { next, message: MESSAGES.csrf_token_mismatch! }, 403);
    const name = (b.name ?? '').trim().toLowerCase();
    const saml = name ? await ctx.store.samlConfigurations.getByName(name) : undefined;
    if (saml)
      return reply.redirect(withNext(`/api/v1/auth/saml/${encodeURIComponent(name)}/login/`, next), 303);
    const oidc = name ? await ctx.store.oidcConfigurations.getByName(name) : undefined;
    if (oidc)
      return reply.redirect(withNext(`/api/v1/auth/oidc/${encodeURIComponent(name)}/login/`, next), 303);
    return page(request, reply, 'sso-name', { next, ssoName: name, message: MESSAGES.sso_not_found! }, 404);
  });

  app.get('/', { schema: hidden }, async (request, reply) => {
    // A broken or foreign credential is just "not signed in" here.
    const p = await principalOf(ctx, request).catch(() => null);
    if (
      !p ||
      p.kind === 'organisation_key' ||
      !p.user ||
      (p.kind === 'instance_admin' && p.via !== 'session')
    )
      return reply.redirect('/login', 303);
    const first = p.firstMembership ?? null;
    return pages.send(
      reply,
      renderSignedIn(pages.chrome, {
        email: p.user.email,
        name: `${p.user.firstName} ${p.user.lastName}`.trim(),
        organisation: first?.organisation.name ?? null,
        role: first?.role ?? null,
        csrf: csrf(request, reply),
      }),
    );
  });

  app.post('/logout', { schema: { ...hidden, body: form } }, async (request, reply) => {
    if (!csrfOk(request, request.body)) return reply.redirect('/', 303);
    const cookie = request.cookies[config.SESSION_COOKIE_NAME];
    if (cookie) await endSession(ctx.store, cookie);
    clearSessionCookie(ctx, reply);
    return reply.redirect('/login', 303);
  });
}
