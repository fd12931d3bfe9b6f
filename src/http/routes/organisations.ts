/** Organisations: instance admins create and delete them; organisation admins see and rename their own. */
import { z } from 'zod';
import { audit } from '../audit.ts';
import type { App, AppContext } from '../context.ts';
import { ApiError, conflictAs } from '../errors.ts';
import { requireInstanceAdmin, requireOrganisation, requirePrincipal } from '../principal.ts';
import { displayText, errorResponses, organisationSchema, orgParams, pageQuery, slug } from '../schemas.ts';

const tags = ['organisations'];

const slugTaken = conflictAs('slug_taken', 'Another organisation already uses this slug');

export function registerOrganisationRoutes(app: App, ctx: AppContext): void {
  app.post(
    '/api/v1/organisations',
    {
      schema: {
        tags,
        summary: 'Create an organisation (instance admin)',
        body: z.strictObject({ name: displayText(200), slug }),
        response: { 201: organisationSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const principal = await requireInstanceAdmin(ctx, request);
      const org = await ctx.store
        .transaction(async (tx) => {
          const created = await tx.organisations.create(request.body);
          await audit(
            tx,
            principal,
            created.id,
            'organisation.create',
            { type: 'organisation', id: created.id },
            request.body,
          );
          return created;
        })
        .catch(slugTaken);
      return reply.status(201).send(org);
    },
  );

  app.get(
    '/api/v1/organisations',
    {
      schema: {
        tags,
        summary: 'List the organisations the caller may see',
        querystring: pageQuery,
        response: {
          200: z.object({ items: z.array(organisationSchema), nextCursor: z.string().nullable() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const p = await requirePrincipal(ctx, request);
      const { limit, cursor } = request.query;
      let onlyIds: string[] | undefined;
      if (p.kind === 'organisation_key') onlyIds = [p.organisationId];
      if (p.kind === 'user') {
        onlyIds = (await ctx.store.memberships.listForUser(p.user.id))
          .filter((m) => m.role === 'admin' || m.role === 'admin_viewer')
          .map((m) => m.organisationId);
      }
      return ctx.store.organisations.list({
        limit,
        ...(cursor ? { cursor } : {}),
        ...(onlyIds ? { onlyIds } : {}),
      });
    },
  );

  app.get(
    '/api/v1/organisations/:orgId',
    {
      schema: {
        tags,
        summary: 'Read an organisation',
        params: orgParams,
        response: { 200: organisationSchema, ...errorResponses },
      },
    },
    async (request) => (await requireOrganisation(ctx, request, request.params.orgId, 'read')).organisation,
  );

  app.patch(
    '/api/v1/organisations/:orgId',
    {
      schema: {
        tags,
        summary: 'Rename an organisation or change its slug',
        params: orgParams,
        body: z.strictObject({ name: displayText(200).optional(), slug: slug.optional() }),
        response: { 200: organisationSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { principal, organisation } = await requireOrganisation(
        ctx,
        request,
        request.params.orgId,
        'write',
      );
      return ctx.store
        .transaction(async (tx) => {
          const updated = await tx.organisations.update(organisation.id, request.body);
          await audit(
            tx,
            principal,
            organisation.id,
            'organisation.update',
            { type: 'organisation', id: organisation.id },
            request.body,
          );
          return updated!;
        })
        .catch(slugTaken);
    },
  );

  app.delete(
    '/api/v1/organisations/:orgId',
    {
      schema: {
        tags,
        summary: 'Delete an organisation and everything in it (instance admin)',
        params: orgParams,
        response: { 204: z.null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const principal = await requireInstanceAdmin(ctx, request);
      const { orgId } = request.params;
      const deleted = await ctx.store.transaction(async (tx) => {
        const found = await tx.organisations.delete(orgId);
        if (found)
          await audit(tx, principal, null, 'organisation.delete', { type: 'organisation', id: orgId });
        return found;
      });
      if (!deleted) throw new ApiError('not_found', 'No such organisation');
      return reply.status(204).send(null);
    },
  );
}
