/**
 * Password accounts: invitations (an admin invites, the person sets a password through a
 * single-use link), password resets (an admin issues a single-use link), and changing one's own
 * password. Links are random 256-bit tokens stored as SHA-256 digests; they are emailed when an
 * SMTP server is configured, otherwise handed to the admin in the answer.
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { accountKey } from '../../credentials/login-throttle.ts';
import { checkPassword } from '../../credentials/password-rules.ts';
import { hashPassword, verifyPassword } from '../../credentials/passwords.ts';
import { randomToken, sha256Hex } from '../../credentials/tokens.ts';
import type { PasswordTokenPurpose } from '../../store/repositories/password-accounts.ts';
import type { User } from '../../store/repositories/users.ts';
import type { Repositories } from '../../store/store.ts';
import { audit } from '../audit.ts';
import type { App, AppContext } from '../context.ts';
import { ApiError, conflictAs, errorBody } from '../errors.ts';
import { passwordAttempt } from '../password-throttle.ts';
import type { Principal } from '../principal.ts';
import { requireOrganisation, requirePrincipal } from '../principal.ts';
import { roleOrThrow } from '../role-input.ts';
import { email, errorResponses, errorSchema, id, optionalName } from '../schemas.ts';

const PASSWORD_INPUT = z.string().max(1024);
const TOKEN_INPUT = z.string().min(1).max(256);

/** The password rules (credentials/password-rules.ts) as the API's 400 codes. */
export function passwordOrThrow(ctx: AppContext, password: string, userEmail: string): void {
  const problem = checkPassword(password, { email: userEmail, minLength: ctx.config.PASSWORD_MIN_LENGTH });
  if (problem) throw new ApiError(problem.code, problem.message);
}

const issuedSchema = z.object({
  userId: z.string(),
  email: z.string(),
  expiresAt: z.number(),
  /** True when the link went out by email; then `url` is absent. */
  emailed: z.boolean(),
  url: z.string().optional(),
});

const PAGES: Record<PasswordTokenPurpose, string> = {
  invitation: '/login/accept-invitation',
  reset: '/login/reset-password',
};

/**
 * Creates a token for `user` (withdrawing their unused ones of the same purpose) and sends
 * the link by email when a mailer exists. Runs inside the caller's transaction, so a failed
 * delivery leaves nothing behind.
 */
async function issueToken(
  ctx: AppContext,
  tx: Repositories,
  input: { purpose: PasswordTokenPurpose; user: User; organisationId: string; createdBy: string },
): Promise<z.infer<typeof issuedSchema>> {
  const now = Date.now();
  const ttl =
    input.purpose === 'invitation'
      ? ctx.config.INVITATION_TTL_SECONDS
      : ctx.config.PASSWORD_RESET_TTL_SECONDS;
  const token = randomToken(32);
  await tx.passwordTokens.deleteUnused(input.user.id, input.purpose);
  const stored = await tx.passwordTokens.create({
    idHash: sha256Hex(token),
    purpose: input.purpose,
    userId: input.user.id,
    organisationId: input.organisationId,
    createdBy: input.createdBy,
    createdAt: now,
    expiresAt: now + ttl * 1000,
  });
  const url = `${ctx.config.BASE_URL}${PAGES[input.purpose]}?token=${token}`;
  const answer = { userId: input.user.id, email: input.user.email, expiresAt: stored.expiresAt };
  if (!ctx.mailer) return { ...answer, emailed: false, url };
  const until = new Date(stored.expiresAt).toISOString();
  const email =
    input.purpose === 'invitation'
      ? {
          subject: 'You are invited to sign in',
          text: `You have been invited. Choose your password here (the link works once, until ${until}):\n\n${url}\n`,
        }
      : {
          subject: 'Reset your password',
          text: `A password reset was requested for ${input.user.email}. Choose a new password here (the link works once, until ${until}):\n\n${url}\n\nIf you did not expect this, you can ignore this email.`,
        };
  try {
    await ctx.mailer.send({ to: input.user.email, ...email });
  } catch (err) {
    throw new ApiError('email_delivery_failed', (err as Error).message);
  }
  return { ...answer, emailed: true };
}

/** An organisation admin may not take over people who also belong elsewhere (or instance admins). */
async function mayManageCredentials(
  tx: Repositories,
  principal: Principal,
  user: User,
  organisationId: string,
): Promise<boolean> {
  if (principal.kind === 'instance_admin') return true;
  if (user.isInstanceAdmin) return false;
  const memberships = await tx.memberships.listForUser(user.id);
  return memberships.every((m) => m.organisationId === organisationId);
}

/**
 * Redeems an invitation or reset link: the password rules first (a refused password keeps the
 * link usable), then in one transaction the token is spent, the password set, every session
 * ended and the change audited. Shared by the JSON API and the HTML pages.
 */
export async function redeemPasswordToken(
  ctx: AppContext,
  request: FastifyRequest,
  { purpose, token, password }: { purpose: PasswordTokenPurpose; token: string; password: string },
): Promise<{ userId: string; email: string }> {
  const invalid = () => new ApiError('token_invalid', 'This link is unknown, already used or expired');
  const idHash = sha256Hex(token);
  // The rules are checked before the token is spent, so a refused password keeps the link usable.
  const pending = await ctx.store.passwordTokens.get(idHash);
  const live =
    pending && pending.purpose === purpose && pending.usedAt === null && pending.expiresAt > Date.now();
  const owner = live ? await ctx.store.users.get(pending.userId) : undefined;
  if (!owner) throw invalid();
  passwordOrThrow(ctx, password, owner.email);
  const passwordHash = await hashPassword(password);
  return ctx.store.transaction(async (tx) => {
    const now = Date.now();
    const used = await tx.passwordTokens.consume(idHash, purpose, now);
    if (!used) throw invalid();
    const user = await tx.users.update(used.userId, { passwordHash });
    if (!user) throw invalid();
    const ended = await tx.ownSessions.revokeAllExcept(user.id, null, now);
    await tx.loginThrottles.clear(accountKey(user.email));
    await tx.auditEvents.record({
      organisationId: used.organisationId,
      actor: `user:${user.id}`,
      action: purpose === 'invitation' ? 'user.invitation_accepted' : 'user.password_reset',
      targetType: 'user',
      targetId: user.id,
      detail: { sessionsEnded: ended, ip: request.ip },
    });
    return { userId: user.id, email: user.email };
  });
}

export function registerPasswordAccountRoutes(app: App, ctx: AppContext): void {
  const org = '/api/v1/organisations/:orgId';

  app.post(
    `${org}/invitations`,
    {
      schema: {
        tags: ['users'],
        summary:
          'Invite a person: creates the user without a password and issues a single-use invitation link',
        params: z.strictObject({ orgId: id }),
        body: z.strictObject({
          email,
          firstName: optionalName.default(''),
          lastName: optionalName.default(''),
          role: z.string().max(64).optional(),
        }),
        response: { 201: issuedSchema, ...errorResponses, 502: errorSchema },
      },
    },
    async (request, reply) => {
      const { principal, organisation } = await requireOrganisation(
        ctx,
        request,
        request.params.orgId,
        'write',
      );
      const body = request.body;
      const role = roleOrThrow(ctx, body.role ?? 'member');
      const issued = await ctx.store
        .transaction(async (tx) => {
          let user = await tx.users.getByEmail(body.email);
          if (user) {
            // Someone who can already sign in, or who belongs elsewhere, is added, not invited:
            // the invitation link sets a password, and this admin may see the link.
            if (user.hasPassword || !(await mayManageCredentials(tx, principal, user, organisation.id))) {
              throw new ApiError(
                'email_taken',
                'A user with this email can already sign in; add them to the organisation instead',
              );
            }
          } else {
            user = await tx.users.create({
              email: body.email,
              firstName: body.firstName,
              lastName: body.lastName,
            });
          }
          if (!(await tx.memberships.get(user.id, organisation.id))) {
            await tx.memberships.add(user.id, organisation.id, role);
            for (const group of await tx.groups.listDefaults(organisation.id)) {
              await tx.groups.addMember(group.id, user.id, 'manual');
            }
          }
          const result = await issueToken(ctx, tx, {
            purpose: 'invitation',
            user,
            organisationId: organisation.id,
            createdBy: principal.actor,
          });
          await audit(
            tx,
            principal,
            organisation.id,
            'user.invite',
            { type: 'user', id: user.id },
            { email: user.email, role, emailed: result.emailed },
          );
          return result;
        })
        .catch(conflictAs('email_taken', 'A user with this email exists'));
      return reply.status(201).send(issued);
    },
  );

  app.post(
    `${org}/users/:userId/password-reset`,
    {
      schema: {
        tags: ['users'],
        summary: 'Issue a single-use password-reset link for a user (emailed when SMTP is configured)',
        params: z.strictObject({ orgId: id, userId: id }),
        response: { 201: issuedSchema, ...errorResponses, 502: errorSchema },
      },
    },
    async (request, reply) => {
      const { principal, organisation } = await requireOrganisation(
        ctx,
        request,
        request.params.orgId,
        'write',
      );
      const issued = await ctx.store.transaction(async (tx) => {
        const membership = await tx.memberships.get(request.params.userId, organisation.id);
        const user = membership && (await tx.users.get(request.params.userId));
        if (!user) throw new ApiError('not_found', 'No such user in this organisation');
        if (!(await mayManageCredentials(tx, principal, user, organisation.id))) {
          throw new ApiError('forbidden', 'This user belongs to other organisations; ask an instance admin');
        }
        const result = await issueToken(ctx, tx, {
          purpose: 'reset',
          user,
          organisationId: organisation.id,
          createdBy: principal.actor,
        });
        await audit(
          tx,
          principal,
          organisation.id,
          'user.password_reset_issued',
          { type: 'user', id: user.id },
          { emailed: result.emailed },
        );
        return result;
      });
      return reply.status(201).send(issued);
    },
  );

  // Redeeming a link: the person chooses a password; they then sign in as usual, so that every
  // sign-in policy (SSO enforcement, allowed methods, PASSWORD_LOGIN_ENABLED) still applies.
  for (const [path, purpose, summary] of [
    [
      '/api/v1/auth/invitations/accept',
      'invitation',
      'Accept an invitation: set the password with the link token',
    ],
    [
      '/api/v1/auth/password-reset',
      'reset',
      'Complete a password reset: set a new password with the link token; ends every session',
    ],
  ] as const) {
    app.post(
      path,
      {
        schema: {
          tags: ['auth'],
          summary,
          security: [],
          body: z.strictObject({ token: TOKEN_INPUT, password: PASSWORD_INPUT }),
          response: { 200: z.object({ userId: z.string(), email: z.string() }), ...errorResponses },
        },
      },
      async (request) => redeemPasswordToken(ctx, request, { purpose, ...request.body }),
    );
  }

  app.post(
    '/api/v1/auth/password',
    {
      schema: {
        tags: ['auth'],
        summary: "Change the signed-in person's password (needs the current one); ends their other sessions",
        body: z.strictObject({ currentPassword: PASSWORD_INPUT, newPassword: PASSWORD_INPUT }),
        response: { 204: z.null(), ...errorResponses, 429: errorSchema },
      },
    },
    async (request, reply) => {
      const { user, currentIdHash } = await requireSessionUser(ctx, request);
      const { currentPassword, newPassword } = request.body;
      const now = Date.now();
      const attempt = passwordAttempt(ctx.config, ctx.store, user.email, request.ip, now);
      const decision = await attempt.decide();
      if (!decision.allowed) {
        return reply
          .status(429)
          .header('retry-after', String(decision.retryAfterSeconds))
          .send(
            errorBody(
              'rate_limited',
              `Too many failed attempts; try again in ${decision.retryAfterSeconds} s`,
              {
                retryAfterSeconds: decision.retryAfterSeconds,
              },
            ),
          );
      }
      const ok = await verifyPassword(await ctx.store.users.getPasswordHash(user.id), currentPassword);
      if (!ok) {
        await attempt.fail();
        // A wrong current password is a failed authentication: admins see it among the traces.
        ctx.metrics.logins.inc({ protocol: 'password', outcome: 'failure', code: 'invalid_credentials' });
        await ctx.store.loginTraces.record({
          organisationId: (await ctx.store.memberships.listForUser(user.id))[0]?.organisationId ?? null,
          protocol: 'password',
          configuration: null,
          outcome: 'failure',
          code: 'invalid_credentials',
          message: 'Wrong current password when changing the password',
          email: user.email,
          userId: user.id,
          ip: request.ip,
          detail: { action: 'password_change' },
        });
        throw new ApiError('invalid_credentials', 'The current password is wrong');
      }
      passwordOrThrow(ctx, newPassword, user.email);
      const passwordHash = await hashPassword(newPassword);
      await ctx.store.transaction(async (tx) => {
        await tx.users.update(user.id, { passwordHash });
        const ended = await tx.ownSessions.revokeAllExcept(user.id, currentIdHash, Date.now());
        await tx.auditEvents.record({
          organisationId: null,
          actor: `user:${user.id}`,
          action: 'user.password_change',
          targetType: 'user',
          targetId: user.id,
          detail: { otherSessionsEnded: ended, ip: request.ip },
        });
      });
      return reply.status(204).send(null);
    },
  );
}

/** The person behind the session cookie (API keys are not people) and their session's digest. */
export async function requireSessionUser(
  ctx: AppContext,
  request: FastifyRequest,
): Promise<{ user: User; currentIdHash: string }> {
  const p = await requirePrincipal(ctx, request);
  const user = p.kind === 'user' ? p.user : p.kind === 'instance_admin' ? p.user : undefined;
  if (!user || request.sessionCookie === undefined) {
    throw new ApiError('unauthorized', 'This needs a signed-in person; an API key is not one');
  }
  return { user, currentIdHash: sha256Hex(request.sessionCookie) };
}
