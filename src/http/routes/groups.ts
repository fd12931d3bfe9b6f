/** Groups (matched to IdP claims by externalId) and their manual members. */
import { z } from 'zod';
import type { Repositories } from '../../store/store.ts';
import { audit } from '../audit.ts';
import type { App, AppContext } from '../context.ts';
import { ApiError, conflictAs } from '../errors.ts';
import { requirePathOrganisation } from '../principal.ts';
import { roleOrThrow } from '../role-input.ts';
import { displayText, errorResponses, groupSchema, id, memberSchema, orgParams } from '../schemas.ts';

const tags = ['groups'];
const groupParams = z.strictObject({ orgId: id, groupId: id });
const memberParams = z.strictObject({ orgId: id, groupId: id, userId: id });
const externalId = z.string().trim().min(1).max(512);

const externalIdTaken = conflictAs(
  'external_id_taken',
  'Another group of this organisation has this externalId',
);

/** The organisation's group, or not_found (a group of another organisation included). */
async function groupOrThrow(repos: Repositories, orgId: string, groupId: string) {
  const group = await repos.groups.get(orgId, groupId);
  if (!group) throw new ApiError('not_found', 'No such group');
  return group;
}

export function registerGroupRoutes(app: App, ctx: AppContext): void {
  const base = '/api/v1/organisations/:orgId/groups';
  const fields = {
    name: displayText(200),
    externalId: externalId.nullable().optional(),
    addNewUsersByDefault: z.boolean().optional(),
    role: z.string().max(64).nullable().optional(),
  };

  app.post(
    base,
    {
      schema: {
        tags,
        summary: 'Create a group',
        params: orgParams,
        body: z.strictObject(fields),
        response: { 201: groupSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { principal, organisation } = await requirePathOrganisation(ctx, request, 'write');
      const body = request.body;
      const role = body.role == null ? null : roleOrThrow(ctx, body.role);
      const group = await ctx.store
        .transaction(async (tx) => {
          const created = await tx.groups.create(organisation.id, { ...body, role });
          await audit(
            tx,
            principal,
            organisation.id,
            'group.create',
            { type: 'group', id: created.id },
            { ...body, role },
          );
          return created;
        })
        .catch(externalIdTaken);
      return reply.status(201).send(group);
    },
  );

  app.get(
    base,
    {
      schema: {
        tags,
        summary: "List the organisation's groups",
        params: orgParams,
        response: { 200: z.object({ items: z.array(groupSchema) }), ...errorResponses },
      },
    },
    async (request) => {
      const { organisation } = await requirePathOrganisation(ctx, request, 'read');
      return { items: await ctx.store.groups.list(organisation.id) };
    },
  );

  app.get(
    `${base}/:groupId`,
    {
      schema: {
        tags,
        summary: 'Read a group',
        params: groupParams,
        response: { 200: groupSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { organisation } = await requirePathOrganisation(ctx, request, 'read');
      return groupOrThrow(ctx.store, organisation.id, request.params.groupId);
    },
  );

  app.patch(
    `${base}/:groupId`,
    {
      schema: {
        tags,
        summary: 'Change a group',
        params: groupParams,
        body: z.strictObject({ ...fields, name: fields.name.optional() }),
        response: { 200: groupSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { principal, organisation } = await requirePathOrganisation(ctx, request, 'write');
      const body = request.body;
      const patch = { ...body, ...(body.role != null ? { role: roleOrThrow(ctx, body.role) } : {}) };
      return ctx.store
        .transaction(async (tx) => {
          await groupOrThrow(tx, organisation.id, request.params.groupId);
          const updated = await tx.groups.update(organisation.id, request.params.groupId, patch);
          await audit(
            tx,
            principal,
            organisation.id,
            'group.update',
            { type: 'group', id: request.params.groupId },
            patch,
          );
          return updated!;
        })
        .catch(externalIdTaken);
    },
  );

  app.delete(
    `${base}/:groupId`,
    {
      schema: {
        tags,
        summary: 'Delete a group',
        params: groupParams,
        response: { 204: z.null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { principal, organisation } = await requirePathOrganisation(ctx, request, 'write');
      await ctx.store.transaction(async (tx) => {
        if (!(await tx.groups.delete(organisation.id, request.params.groupId)))
          throw new ApiError('not_found', 'No such group');
        await audit(tx, principal, organisation.id, 'group.delete', {
          type: 'group',
          id: request.params.groupId,
        });
      });
      return reply.status(204).send(null);
    },
  );

  app.get(
    `${base}/:groupId/members`,
    {
      schema: {
        tags,
        summary: "List a group's members with their source (manual or sso)",
        params: groupParams,
        response: { 200: z.object({ items: z.array(memberSchema) }), ...errorResponses },
      },
    },
    async (request) => {
      const { organisation } = await requirePathOrganisation(ctx, request, 'read');
      const group = await groupOrThrow(ctx.store, organisation.id, request.params.groupId);
      return { items: await ctx.store.groups.listMembers(group.id) };
    },
  );

  app.put(
    `${base}/:groupId/members/:userId`,
    {
      schema: {
        tags,
        summary: 'Add a member of the organisation to the group (manual)',
        params: memberParams,
        response: { 204: z.null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { principal, organisation } = await requirePathOrganisation(ctx, request, 'write');
      const { groupId, userId } = request.params;
      await ctx.store.transaction(async (tx) => {
        await groupOrThrow(tx, organisation.id, groupId);
        if (!(await tx.memberships.get(userId, organisation.id)))
          throw new ApiError('not_found', 'No such user in this organisation');
        // Adding is idempotent; an SSO-made membership becomes manual, so sync leaves it alone.
        await tx.groups.removeMember(groupId, userId);
        await tx.groups.addMember(groupId, userId, 'manual');
        await audit(
          tx,
          principal,
          organisation.id,
          'group.add_member',
          { type: 'group', id: groupId },
          { userId },
        );
      });
      return reply.status(204).send(null);
    },
  );

  app.delete(
    `${base}/:groupId/members/:userId`,
    {
      schema: {
        tags,
        summary: 'Remove a member from the group',
        params: memberParams,
        response: { 204: z.null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { principal, organisation } = await requirePathOrganisation(ctx, request, 'write');
      const { groupId, userId } = request.params;
      await ctx.store.transaction(async (tx) => {
        await groupOrThrow(tx, organisation.id, groupId);
        if (!(await tx.groups.removeMember(groupId, userId)))
          throw new ApiError('not_found', 'This user is not in the group');
        await audit(
          tx,
          principal,
          organisation.id,
          'group.remove_member',
          { type: 'group', id: groupId },
          { userId },
        );
      });
      return reply.status(204).send(null);
    },
  );
}
