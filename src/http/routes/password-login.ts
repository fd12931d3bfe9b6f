/**
 * Password sign-in (`POST /api/v1/auth/login`, DESIGN.md's external contract) with the sign-in
 * policies, checked in this order:
 * 1. progressive delays per account and per client address (counters in the database) →
 *    429 `rate_limited` with Retry-After;
 * 2. the email's domain is verified and enforces SSO → `sso_required`, with where to go;
 * 3. the password is verified, against a dummy hash when the email is unknown (same work,
 *    same answer: `invalid_credentials`), and a failure is counted;
 * 4. PASSWORD_LOGIN_ENABLED=false → `password_login_disabled`, except for an instance admin
 *    (break-glass: a warn-level log line and an audit event);
 * 5. a disabled account → `account_disabled`; an organisation of the person that does not
 *    allow password sign-in → `login_method_not_allowed`.
 * Every refusal leaves a login trace; a success clears the account's counter.
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Config } from '../../config/schema.ts';
import { verifyPassword } from '../../credentials/passwords.ts';
import { endSession, type StartedSession, startSession } from '../../credentials/sessions.ts';
import { loginMethodAllowed, loginPolicyFrom, ssoLoginPath } from '../../identity/login-methods.ts';
import type { Repositories } from '../../store/store.ts';
import type { App, AppContext } from '../context.ts';
import { API_ERROR_STATUS, ApiError, type ApiErrorCode, errorBody } from '../errors.ts';
import { passwordAttempt } from '../password-throttle.ts';
import { errorResponses, errorSchema } from '../schemas.ts';
import { setSessionCookie } from '../session-cookie.ts';

/**
 * Where an organisation's people start single sign-on: the policy's default SSO configuration,
 * else the instance default (SAML_DEFAULT_CONFIGURATION) when it is this organisation's, else
 * the organisation's only enabled SAML configuration, else its only enabled OIDC configuration;
 * null when none of these exists.
 */
export async function ssoLocation(
  repos: Pick<Repositories, 'loginPolicies' | 'samlConfigurations' | 'oidcConfigurations'>,
  config: Config,
  organisationId: string,
): Promise<string | null> {
  const policy = loginPolicyFrom(await repos.loginPolicies.get(organisationId));
  if (policy.defaultSso) return ssoLoginPath(policy.defaultSso);
  const saml = (await repos.samlConfigurations.list(organisationId)).filter((c) => c.enabled);
  const preferred =
    saml.find((c) => c.name === config.SAML_DEFAULT_CONFIGURATION) ??
    (saml.length === 1 ? saml[0] : undefined);
  if (preferred) return ssoLoginPath({ protocol: 'saml', name: preferred.name });
  if (saml.length > 1) return null;
  const oidc = (await repos.oidcConfigurations.list(organisationId)).filter((c) => c.enabled);
  return oidc.length === 1 ? ssoLoginPath({ protocol: 'oidc', name: oidc[0]!.name }) : null;
}

function domainOf(email: string): string | null {
  const at = email.lastIndexOf('@');
  return at > 0 && at < email.length - 1 ? email.slice(at + 1) : null;
}

/** A refused password sign-in: its code, the person-facing message, and the HTTP status. */
export interface PasswordRefusal {
  ok: false;
  code: ApiErrorCode;
  message: string;
  status: number;
  retryAfterSeconds?: number;
  details?: unknown;
}

/**
 * The password sign-in with every policy above, shared by the JSON API and the login page:
 * a started session, or a refusal (already traced). The caller sets the cookie.
 */
export async function passwordSignIn(
  ctx: AppContext,
  request: FastifyRequest,
  { email, password }: { email: string; password: string },
): Promise<{ ok: true; userId: string; session: StartedSession } | PasswordRefusal> {
  const now = Date.now();
  const user = await ctx.store.users.getByEmail(email);
  // A trace belongs to the person's (first) organisation so that its admins can read it.
  const trace = async (
    repos: Pick<Repositories, 'loginTraces' | 'memberships'>,
    code: ApiErrorCode | null,
    message: string | null,
  ) => {
    ctx.metrics.logins.inc({
      protocol: 'password',
      outcome: code === null ? 'success' : 'failure',
      code: code ?? 'ok',
    });
    const organisationId = user
      ? ((await repos.memberships.listForUser(user.id))[0]?.organisationId ?? null)
      : null;
    await repos.loginTraces.record({
      organisationId,
      protocol: 'password',
      configuration: null,
      outcome: code === null ? 'success' : 'failure',
      code,
      message,
      email: email.slice(0, 254),
      userId: user?.id ?? null,
      ip: request.ip,
      detail: {},
    });
  };
  const fail = async (code: ApiErrorCode, message: string, details?: unknown): Promise<PasswordRefusal> => {
    await trace(ctx.store, code, message);
    return { ok: false, code, message, status: API_ERROR_STATUS[code], details };
  };

  // 1. Progressive delays, whether or not the email exists.
  const attempt = passwordAttempt(ctx.config, ctx.store, email, request.ip, now);
  const { keys } = attempt;
  const decision = await attempt.decide();
  if (!decision.allowed) {
    const message = `Too many failed sign-ins; try again in ${decision.retryAfterSeconds} s`;
    await trace(ctx.store, 'rate_limited', message);
    return {
      ok: false,
      code: 'rate_limited',
      message,
      status: 429,
      retryAfterSeconds: decision.retryAfterSeconds,
      details: { retryAfterSeconds: decision.retryAfterSeconds },
    };
  }

  // 2. SSO enforced for the email's domain: the person is sent to their organisation's IdP.
  const domainName = domainOf(email);
  const domain = domainName ? await ctx.store.domains.getByDomain(domainName) : undefined;
  if (domain?.verified && domain.enforceSso) {
    const location = await ssoLocation(ctx.store, ctx.config, domain.organisationId);
    return await fail('sso_required', 'This email domain signs in with single sign-on', { location });
  }

  // 3. The password, verified (or a dummy hash) whatever the email: same work, same answer.
  const hash = user ? await ctx.store.users.getPasswordHash(user.id) : null;
  const ok = await verifyPassword(hash, password);
  if (!user || !ok) {
    await attempt.fail();
    if (!ctx.config.PASSWORD_LOGIN_ENABLED) {
      return await fail('password_login_disabled', 'Password sign-in is switched off on this instance');
    }
    return await fail('invalid_credentials', 'The email or password is wrong');
  }

  // 4. Password sign-in switched off: only the break-glass instance-admin login remains.
  const breakGlass = !ctx.config.PASSWORD_LOGIN_ENABLED;
  if (breakGlass && !user.isInstanceAdmin) {
    return await fail('password_login_disabled', 'Password sign-in is switched off on this instance');
  }

  // 5. The account and its organisations' policies.
  if (user.disabled) return await fail('account_disabled', 'This account is disabled');
  for (const m of await ctx.store.memberships.listForUser(user.id)) {
    const policy = loginPolicyFrom(await ctx.store.loginPolicies.get(m.organisationId));
    if (!loginMethodAllowed(policy, 'password')) {
      const location = await ssoLocation(ctx.store, ctx.config, m.organisationId);
      return await fail(
        'login_method_not_allowed',
        'Your organisation does not allow password sign-in; use single sign-on',
        { location },
      );
    }
  }

  // A fresh session id at every sign-in (no fixation); an old cookie is ended first.
  const previous = request.cookies[ctx.config.SESSION_COOKIE_NAME];
  const started = await ctx.store.transaction(async (tx) => {
    if (previous) await endSession(tx, previous);
    await tx.loginThrottles.clear(keys.account);
    const s = await startSession(tx, ctx.sessionPolicy, {
      userId: user.id,
      method: 'password',
      ip: request.ip,
      userAgent: request.headers['user-agent'] ?? null,
    });
    await trace(tx, null, null);
    if (breakGlass) {
      await tx.auditEvents.record({
        organisationId: null,
        actor: `user:${user.id}`,
        action: 'auth.break_glass_login',
        targetType: 'user',
        targetId: user.id,
        detail: { email: user.email, ip: request.ip, userAgent: request.headers['user-agent'] ?? null },
      });
    }
    return s;
  });
  if (breakGlass) {
    request.log.warn(
      { event: 'break_glass_login', userId: user.id, email: user.email, ip: request.ip },
      'BREAK-GLASS: an instance admin signed in by password while PASSWORD_LOGIN_ENABLED=false',
    );
  }
  return { ok: true, userId: user.id, session: started };
}

export function registerPasswordLoginRoutes(app: App, ctx: AppContext): void {
  app.post(
    '/api/v1/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in with email and password; sets the session cookie',
        security: [],
        body: z.strictObject({ email: z.string().max(254), password: z.string().max(1024) }),
        response: { 200: z.object({ userId: z.string() }), ...errorResponses, 429: errorSchema },
      },
    },
    async (request, reply) => {
      // Login CSRF: another site may not sign a browser in to an account of its choosing.
      const origin = request.headers.origin;
      if (origin !== undefined && origin !== ctx.origin) {
        throw new ApiError('csrf_origin_mismatch', 'Cross-origin request refused');
      }
      const outcome = await passwordSignIn(ctx, request, request.body);
      if (!outcome.ok) {
        if (outcome.retryAfterSeconds !== undefined) {
          return reply
            .status(429)
            .header('retry-after', String(outcome.retryAfterSeconds))
            .send(errorBody('rate_limited', outcome.message, outcome.details));
        }
        throw new ApiError(outcome.code, outcome.message, outcome.details);
      }
      setSessionCookie(ctx, reply, outcome.session.cookieValue, outcome.session.absoluteExpiresAt);
      return { userId: outcome.userId };
    },
  );
}
