/**
 * The admin routes SAML and OIDC configurations share. Both are named configurations of an
 * organisation: the name is globally unique and immutable (the sign-in URLs the other party
 * knows carry it), a configuration of another organisation is missing (404) rather than
 * forbidden, so names of other tenants cannot be probed, and every change is audited in the
 * transaction that makes it. A kind brings only its schemas, its validation and its presentation.
 */
import type { FastifyTypeProviderDefault } from 'fastify';
import { z } from 'zod';
import type { Repositories } from '../../store/store.ts';
import { audit } from '../audit.ts';
import type { App, AppContext } from '../context.ts';
import { ApiError, conflictAs } from '../errors.ts';
import { requirePathOrganisation } from '../principal.ts';
import { errorResponses, id, orgParams } from '../schemas.ts';

/** Lowercase letters, digits, _ and -, 1-63 characters: the name goes into URLs as it is. */
export const CONFIGURATION_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

const params = z.strictObject({ orgId: id, name: z.string().min(1).max(64) });
type OrgPath = { Params: z.infer<typeof orgParams> };
type NamePath = { Params: z.infer<typeof params> };

interface Named {
  id: string;
  organisationId: string;
  name: string;
}

/** The part of a kind's repository the routes use. */
interface NamedConfigurations<C extends Named, I> {
  create(organisationId: string, input: I): Promise<C>;
  getByName(name: string): Promise<C | undefined>;
  list(organisationId: string): Promise<C[]>;
  update(id: string, patch: Partial<I>): Promise<C | undefined>;
  delete(id: string): Promise<boolean>;
}

/**
 * One kind of named configuration. The schemas and the repository fix the types (NoInfer keeps
 * the functions from widening them), so a presentation or input that strays fails to compile.
 */
export interface NamedConfigurationKind<C extends Named, I, Create, Patch extends { name?: string }, Shown> {
  /** The path segment below the organisation, also the OpenAPI tag. */
  path: 'saml-configurations' | 'oidc-configurations';
  /** The audit target type and action prefix; `<audited>_name_taken` is the conflict code. */
  audited: 'saml_configuration' | 'oidc_configuration';
  /** What error messages call one ("SAML configuration"). */
  noun: string;
  /** The name_immutable message: which URL carries the name. */
  renameRefusal: string;
  summaries: Record<'create' | 'list' | 'read' | 'update' | 'delete', string>;
  createBody: z.ZodType<Create>;
  patchBody: z.ZodType<Patch>;
  /** The response schema: the allowlist of what leaves the server. */
  shown: z.ZodType<Shown>;
  repository(repos: Repositories): NamedConfigurations<C, I>;
  present(c: C): NoInfer<Shown>;
  /** Every stored field of a new configuration; throws 400s before anything is written. */
  createInput(body: Create): NoInfer<I> | Promise<NoInfer<I>>;
  /** The stored fields a change sets; throws 400s before anything is written. */
  patchInput(body: Patch, current: C): Partial<NoInfer<I>> | Promise<Partial<NoInfer<I>>>;
  /** Audit details of a creation and of a change; never a secret. */
  createdDetail(c: C): Record<string, unknown>;
  updatedDetail(body: Patch): Record<string, unknown>;
}

/** Create, list, read, change and delete for one kind, below /organisations/:orgId. */
export function registerNamedConfigurationRoutes<
  C extends Named,
  I,
  Create,
  Patch extends { name?: string },
  Shown,
>(app: App, ctx: AppContext, kind: NamedConfigurationKind<C, I, Create, Patch, Shown>): void {
  const base = `/api/v1/organisations/:orgId/${kind.path}`;
  const tags = [kind.path];
  const nameTaken = conflictAs(`${kind.audited}_name_taken`, `Another ${kind.noun} already uses this name`);
  const target = (c: Named) => ({ type: kind.audited, id: c.id });
  // The type provider cannot see through schemas that are type parameters: these routes are
  // typed by hand, and each body is cast to the type its schema has just validated.
  const routes = app.withTypeProvider<FastifyTypeProviderDefault>();

  async function ofOrganisation(orgId: string, name: string): Promise<C> {
    const c = await kind.repository(ctx.store).getByName(name);
    if (!c || c.organisationId !== orgId) throw new ApiError('not_found', `No such ${kind.noun}`);
    return c;
  }

  routes.post<OrgPath>(
    base,
    {
      schema: {
        tags,
        summary: kind.summaries.create,
        params: orgParams,
        body: kind.createBody,
        response: { 201: kind.shown, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { principal, organisation } = await requirePathOrganisation(ctx, request, 'write');
      const input = await kind.createInput(request.body as Create);
      const created = await ctx.store
        .transaction(async (tx) => {
          const c = await kind.repository(tx).create(organisation.id, input);
          const detail = kind.createdDetail(c);
          await audit(tx, principal, organisation.id, `${kind.audited}.create`, target(c), detail);
          return c;
        })
        .catch(nameTaken);
      return reply.status(201).send(kind.present(created));
    },
  );

  routes.get<OrgPath>(
    base,
    {
      schema: {
        tags,
        summary: kind.summaries.list,
        params: orgParams,
        response: { 200: z.object({ items: z.array(kind.shown) }), ...errorResponses },
      },
    },
    async (request) => {
      const { organisation } = await requirePathOrganisation(ctx, request, 'read');
      return { items: (await kind.repository(ctx.store).list(organisation.id)).map(kind.present) };
    },
  );

  routes.get<NamePath>(
    `${base}/:name`,
    {
      schema: {
        tags,
        summary: kind.summaries.read,
        params,
        response: { 200: kind.shown, ...errorResponses },
      },
    },
    async (request) => {
      const { organisation } = await requirePathOrganisation(ctx, request, 'read');
      return kind.present(await ofOrganisation(organisation.id, request.params.name));
    },
  );

  routes.patch<NamePath>(
    `${base}/:name`,
    {
      schema: {
        tags,
        summary: kind.summaries.update,
        params,
        body: kind.patchBody,
        response: { 200: kind.shown, ...errorResponses },
      },
    },
    async (request) => {
      const { principal, organisation } = await requirePathOrganisation(ctx, request, 'write');
      const body = request.body as Patch;
      const current = await ofOrganisation(organisation.id, request.params.name);
      // A name sent back unchanged is fine; a new one would break the URLs the other party knows.
      if (body.name !== undefined && body.name !== current.name) {
        throw new ApiError('name_immutable', kind.renameRefusal);
      }
      const input = await kind.patchInput(body, current);
      return ctx.store.transaction(async (tx) => {
        const updated = await kind.repository(tx).update(current.id, input);
        const detail = kind.updatedDetail(body);
        await audit(tx, principal, organisation.id, `${kind.audited}.update`, target(current), detail);
        return kind.present(updated!);
      });
    },
  );

  routes.delete<NamePath>(
    `${base}/:name`,
    {
      schema: {
        tags,
        summary: kind.summaries.delete,
        params,
        response: { 204: z.null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { principal, organisation } = await requirePathOrganisation(ctx, request, 'write');
      const current = await ofOrganisation(organisation.id, request.params.name);
      await ctx.store.transaction(async (tx) => {
        await kind.repository(tx).delete(current.id);
        await audit(tx, principal, organisation.id, `${kind.audited}.delete`, target(current), {
          name: current.name,
        });
      });
      return reply.status(204).send(null);
    },
  );
}
