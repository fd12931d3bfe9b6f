/** Login traces and audit events, newest first, for the organisation's admins. */
import { z } from 'zod';
import type { App, AppContext } from '../context.ts';
import { requireOrganisation } from '../principal.ts';
import { errorResponses, id } from '../schemas.ts';

const tags = ['records'];
const query = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(512).optional(),
});

const traceSchema = z.object({
  id: z.string(),
  organisationId: z.string().nullable(),
  protocol: z.string(),
  configuration: z.string().nullable(),
  outcome: z.enum(['success', 'failure']),
  code: z.string().nullable(),
  message: z.string().nullable(),
  email: z.string().nullable(),
  userId: z.string().nullable(),
  ip: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
  createdAt: z.number(),
});

const auditSchema = z.object({
  id: z.string(),
  organisationId: z.string().nullable(),
  actor: z.string(),
  action: z.string(),
  targetType: z.string(),
  targetId: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
  createdAt: z.number(),
});

export function registerRecordRoutes(app: App, ctx: AppContext): void {
  app.get(
    '/api/v1/organisations/:orgId/login-traces',
    {
      schema: {
        tags,
        summary: 'Sign-in attempts (successful and failed) with their reason',
        params: z.strictObject({ orgId: id }),
        querystring: query,
        response: {
          200: z.object({ items: z.array(traceSchema), nextCursor: z.string().nullable() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { organisation } = await requireOrganisation(ctx, request, request.params.orgId, 'read');
      const { limit, cursor } = request.query;
      return ctx.store.loginTraces.list(organisation.id, { limit, ...(cursor ? { cursor } : {}) });
    },
  );

  app.get(
    '/api/v1/organisations/:orgId/audit-events',
    {
      schema: {
        tags,
        summary: 'Administrative changes to the organisation',
        params: z.strictObject({ orgId: id }),
        querystring: query,
        response: {
          200: z.object({ items: z.array(auditSchema), nextCursor: z.string().nullable() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { organisation } = await requireOrganisation(ctx, request, request.params.orgId, 'read');
      const { limit, cursor } = request.query;
      return ctx.store.auditEvents.list(organisation.id, { limit, ...(cursor ? { cursor } : {}) });
    },
  );
}
