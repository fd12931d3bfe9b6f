/** Users of an organisation: search, create, read, update, disable/enable, revoke sessions, remove. */
import { z } from 'zod';
import { hashPassword } from '../../credentials/passwords.ts';
import type { Repositories } from '../../store/store.ts';
import { audit } from '../audit.ts';
import type { App, AppContext } from '../context.ts';
import { ApiError, conflictAs } from '../errors.ts';
import { requirePathOrganisation } from '../principal.ts';
import { roleOrThrow } from '../role-input.ts';
import {
  attributes,
  email,
  errorResponses,
  groupSchema,
  id,
  optionalName,
  orgParams,
  pageQuery,
  userSchema,
} from '../schemas.ts';
import { passwordOrThrow } from './password-accounts.ts';

const tags = ['users'];
const userParams = z.strictObject({ orgId: id, userId: id });
const orgUserSchema = userSchema.extend({ role: z.string() });
const userDetailSchema = orgUserSchema.extend({
  groups: z.array(groupSchema.extend({ source: z.enum(['manual', 'sso']) })),
  activeSessions: z.number(),
  organisationCount: z.number(),
});

// The password rules (NIST SP 800-63B) are checked in the handler: they need the email.
const password = z.string().max(1024);

/** The member with their role in this organisation, or not_found. */
async function memberOrThrow(repos: Repositories, orgId: string, userId: string) {
  const membership = await repos.memberships.get(userId, orgId);
  const user = membership && (await repos.users.get(userId));
  if (!membership || !user) throw new ApiError('not_found', 'No such user in this organisation');
  return { ...user, role: membership.role };
}

export function registerUserRoutes(app: App, ctx: AppContext): void {
  const base = '/api/v1/organisations/:orgId/users';

  app.get(
    base,
    {
      schema: {
        tags,
        summary: "List and search the organisation's users (by email or name)",
        params: orgParams,
        querystring: pageQuery.extend({ search: z.string().max(200).optional() }),
        response: {
          200: z.object({ items: z.array(orgUserSchema), nextCursor: z.string().nullable() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { organisation } = await requirePathOrganisation(ctx, request, 'read');
      const { limit, cursor, search } = request.query;
      return ctx.store.users.listInOrganisation(organisation.id, {
        limit,
        ...(cursor ? { cursor } : {}),
        ...(search ? { search } : {}),
      });
    },
  );

  app.post(
    base,
    {
      schema: {
        tags,
        summary: 'Create a user in the organisation, or add an existing user (same email) to it',
        params: orgParams,
        body: z.strictObject({
          email,
          firstName: optionalName.default(''),
          lastName: optionalName.default(''),
          role: z.string().max(64).optional(),
          password: password.optional(),
          attributes: attributes.optional(),
        }),
        response: { 201: orgUserSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { principal, organisation } = await requirePathOrganisation(ctx, request, 'write');
      const body = request.body;
      const role = roleOrThrow(ctx, body.role ?? 'member');
      if (body.password !== undefined) passwordOrThrow(ctx, body.password, body.email);
      const passwordHash = body.password === undefined ? null : await hashPassword(body.password);
      const created = await ctx.store
        .transaction(async (tx) => {
          let user = await tx.users.getByEmail(body.email);
          if (user) {
            // An existing person joins this organisation; their credentials and profile stay theirs.
            if (passwordHash !== null) {
              throw new ApiError('email_taken', 'A user with this email exists; add them without a password');
            }
            if (await tx.memberships.get(user.id, organisation.id)) {
              throw new ApiError('membership_exists', 'This user is already in the organisation');
            }
          } else {
            user = await tx.users.create({
              email: body.email,
              firstName: body.firstName,
              lastName: body.lastName,
              passwordHash,
              attributes: body.attributes ?? {},
            });
          }
          await tx.memberships.add(user.id, organisation.id, role);
          for (const group of await tx.groups.listDefaults(organisation.id)) {
            await tx.groups.addMember(group.id, user.id, 'manual');
          }
          await audit(
            tx,
            principal,
            organisation.id,
            'user.add',
            { type: 'user', id: user.id },
            { email: user.email, role },
          );
          return { ...user, role };
        })
        .catch(conflictAs('email_taken', 'A user with this email exists'));
      return reply.status(201).send(created);
    },
  );

  app.get(
    `${base}/:userId`,
    {
      schema: {
        tags,
        summary: 'Read a user with their groups in this organisation',
        params: userParams,
        response: { 200: userDetailSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { organisation } = await requirePathOrganisation(ctx, request, 'read');
      const user = await memberOrThrow(ctx.store, organisation.id, request.params.userId);
      const [groups, activeSessions, memberships] = await Promise.all([
        ctx.store.groups.listForUser(user.id, organisation.id),
        ctx.store.sessions.countActiveForUser(user.id, Date.now()),
        ctx.store.memberships.listForUser(user.id),
      ]);
      return { ...user, groups, activeSessions, organisationCount: memberships.length };
    },
  );

  app.patch(
    `${base}/:userId`,
    {
      schema: {
        tags,
        summary: "Change a user's names, role in this organisation, or attributes",
        params: userParams,
        body: z.strictObject({
          firstName: optionalName.optional(),
          lastName: optionalName.optional(),
          role: z.string().max(64).optional(),
          attributes: attributes.optional(),
        }),
        response: { 200: orgUserSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { principal, organisation } = await requirePathOrganisation(ctx, request, 'write');
      const { role: roleInput, ...profile } = request.body;
      const role = roleInput === undefined ? undefined : roleOrThrow(ctx, roleInput);
      return ctx.store.transaction(async (tx) => {
        const user = await memberOrThrow(tx, organisation.id, request.params.userId);
        const updated = await tx.users.update(user.id, profile);
        if (role) await tx.memberships.setRole(user.id, organisation.id, role);
        await audit(
          tx,
          principal,
          organisation.id,
          'user.update',
          { type: 'user', id: user.id },
          { ...profile, role },
        );
        return { ...updated!, role: role ?? user.role };
      });
    },
  );

  for (const [action, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    app.post(
      `${base}/:userId/${action}`,
      {
        schema: {
          tags,
          summary: disabled
            ? 'Disable a user: sign-in refused and every session ended'
            : 'Enable a disabled user',
          params: userParams,
          response: { 200: orgUserSchema, ...errorResponses },
        },
      },
      async (request) => {
        const { principal, organisation } = await requirePathOrganisation(ctx, request, 'write');
        return ctx.store.transaction(async (tx) => {
          const user = await memberOrThrow(tx, organisation.id, request.params.userId);
          // Disabling is per person; an organisation admin may not lock a person out of other organisations.
          const elsewhere = (await tx.memberships.listForUser(user.id)).length > 1;
          if ((elsewhere || user.isInstanceAdmin) && principal.kind !== 'instance_admin') {
            throw new ApiError(
              'forbidden',
              'This user belongs to other organisations; ask an instance admin',
            );
          }
          const updated = await tx.users.update(user.id, { disabled });
          if (disabled) await tx.sessions.revokeAllForUser(user.id, Date.now());
          await audit(tx, principal, organisation.id, `user.${action}`, { type: 'user', id: user.id });
          return { ...updated!, role: user.role };
        });
      },
    );
  }

  app.post(
    `${base}/:userId/revoke-sessions`,
    {
      schema: {
        tags,
        summary: 'End every session of a user',
        params: userParams,
        response: { 200: z.object({ revoked: z.number() }), ...errorResponses },
      },
    },
    async (request) => {
      const { principal, organisation } = await requirePathOrganisation(ctx, request, 'write');
      return ctx.store.transaction(async (tx) => {
        const user = await memberOrThrow(tx, organisation.id, request.params.userId);
        const revoked = await tx.sessions.revokeAllForUser(user.id, Date.now());
        await audit(
          tx,
          principal,
          organisation.id,
          'user.revoke_sessions',
          { type: 'user', id: user.id },
          { revoked },
        );
        return { revoked };
      });
    },
  );

  app.delete(
    `${base}/:userId`,
    {
      schema: {
        tags,
        summary: 'Remove a user from the organisation (and its groups)',
        params: userParams,
        response: { 204: z.null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { principal, organisation } = await requirePathOrganisation(ctx, request, 'write');
      await ctx.store.transaction(async (tx) => {
        const user = await memberOrThrow(tx, organisation.id, request.params.userId);
        await tx.memberships.remove(user.id, organisation.id);
        await audit(
          tx,
          principal,
          organisation.id,
          'user.remove',
          { type: 'user', id: user.id },
          { email: user.email },
        );
      });
      return reply.status(204).send(null);
    },
  );
}
