/**
 * API keys: instance keys (instance admins) and organisation keys (organisation admins, role
 * admin or admin_viewer). The key is in the creation answer only; lists never show it.
 */
import { z } from 'zod';
import { issueApiKey } from '../../credentials/api-keys.ts';
import type { Store } from '../../store/store.ts';
import { audit } from '../audit.ts';
import type { App, AppContext } from '../context.ts';
import { ApiError } from '../errors.ts';
import { type Principal, requireInstanceAdmin, requirePathOrganisation } from '../principal.ts';
import { apiKeySchema, displayText, errorResponses, id, orgParams } from '../schemas.ts';

const tags = ['api-keys'];
const createdSchema = apiKeySchema.extend({ key: z.string().describe('Shown once; store it now') });

async function create(
  store: Store,
  principal: Principal,
  organisationId: string | null,
  name: string,
  role: string,
) {
  return store.transaction(async (tx) => {
    const issued = await issueApiKey(tx, { name, organisationId, role });
    await audit(
      tx,
      principal,
      organisationId,
      'api_key.create',
      { type: 'api_key', id: issued.record.id },
      { name, role },
    );
    return { ...issued.record, key: issued.key };
  });
}

async function revoke(
  store: Store,
  principal: Principal,
  organisationId: string | null,
  keyId: string,
): Promise<void> {
  await store.transaction(async (tx) => {
    const key = await tx.apiKeys.get(keyId);
    if (!key || key.organisationId !== organisationId || key.revokedAt !== null) {
      throw new ApiError('not_found', 'No such API key');
    }
    await tx.apiKeys.revoke(keyId);
    await audit(tx, principal, organisationId, 'api_key.revoke', { type: 'api_key', id: keyId });
  });
}

export function registerApiKeyRoutes(app: App, ctx: AppContext): void {
  const list = { 200: z.object({ items: z.array(apiKeySchema) }), ...errorResponses };

  app.post(
    '/api/v1/api-keys',
    {
      schema: {
        tags,
        summary: 'Create an instance-admin API key',
        body: z.strictObject({ name: displayText(100) }),
        response: { 201: createdSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const principal = await requireInstanceAdmin(ctx, request);
      return reply.status(201).send(await create(ctx.store, principal, null, request.body.name, 'admin'));
    },
  );

  app.get(
    '/api/v1/api-keys',
    { schema: { tags, summary: 'List instance-admin API keys', response: list } },
    async (request) => {
      await requireInstanceAdmin(ctx, request);
      return { items: await ctx.store.apiKeys.list(null) };
    },
  );

  app.delete(
    '/api/v1/api-keys/:keyId',
    {
      schema: {
        tags,
        summary: 'Revoke an instance-admin API key',
        params: z.strictObject({ keyId: id }),
        response: { 204: z.null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const principal = await requireInstanceAdmin(ctx, request);
      await revoke(ctx.store, principal, null, request.params.keyId);
      return reply.status(204).send(null);
    },
  );

  const base = '/api/v1/organisations/:orgId/api-keys';

  app.post(
    base,
    {
      schema: {
        tags,
        summary: 'Create an API key scoped to the organisation',
        params: orgParams,
        body: z.strictObject({
          name: displayText(100),
          role: z.enum(['admin', 'admin_viewer']).default('admin'),
        }),
        response: { 201: createdSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { principal, organisation } = await requirePathOrganisation(ctx, request, 'write');
      return reply
        .status(201)
        .send(await create(ctx.store, principal, organisation.id, request.body.name, request.body.role));
    },
  );

  app.get(
    base,
    {
      schema: {
        tags,
        summary: "List the organisation's API keys",
        params: orgParams,
        response: list,
      },
    },
    async (request) => {
      const { organisation } = await requirePathOrganisation(ctx, request, 'read');
      return { items: await ctx.store.apiKeys.list(organisation.id) };
    },
  );

  app.delete(
    `${base}/:keyId`,
    {
      schema: {
        tags,
        summary: 'Revoke an organisation API key',
        params: z.strictObject({ orgId: id, keyId: id }),
        response: { 204: z.null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { principal, organisation } = await requirePathOrganisation(ctx, request, 'write');
      await revoke(ctx.store, principal, organisation.id, request.params.keyId);
      return reply.status(204).send(null);
    },
  );
}
