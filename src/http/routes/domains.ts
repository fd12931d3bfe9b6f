/**
 * Email domains an organisation claims. `verified` can only be asserted by an instance admin
 * (organisation admins verify by DNS, see the sign-in policies); a domain belongs to one
 * organisation across the instance.
 */
import { z } from 'zod';
import { DnsLookupError } from '../../ops/dns.ts';
import type { EmailDomain } from '../../store/repositories/domains.ts';
import type { Repositories } from '../../store/store.ts';
import { audit } from '../audit.ts';
import type { App, AppContext } from '../context.ts';
import { ApiError, conflictAs } from '../errors.ts';
import { type Principal, requirePathOrganisation } from '../principal.ts';
import { domainName, domainSchema, errorResponses, id, orgParams } from '../schemas.ts';

const tags = ['domains'];
const domainParams = z.strictObject({ orgId: id, domainId: id });

function present({ verificationToken, ...d }: EmailDomain) {
  return { ...d, verificationRecord: `drawbridge-verification=${verificationToken}` };
}

function onlyInstanceAdminVerifies(principal: Principal, verified: boolean | undefined): void {
  if (verified !== undefined && principal.kind !== 'instance_admin') {
    throw new ApiError('forbidden', 'Only an instance admin may set "verified"; organisations verify by DNS');
  }
}

/** The organisation's domain, or not_found (a domain of another organisation included). */
async function domainOrThrow(repos: Repositories, orgId: string, domainId: string) {
  const d = await repos.domains.get(orgId, domainId);
  if (!d) throw new ApiError('not_found', 'No such domain');
  return d;
}

export function registerDomainRoutes(app: App, ctx: AppContext): void {
  const base = '/api/v1/organisations/:orgId/domains';

  app.post(
    base,
    {
      schema: {
        tags,
        summary: 'Claim an email domain for the organisation',
        params: orgParams,
        body: z.strictObject({
          domain: domainName,
          verified: z.boolean().optional(),
          enforceSso: z.boolean().optional(),
        }),
        response: { 201: domainSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { principal, organisation } = await requirePathOrganisation(ctx, request, 'write');
      onlyInstanceAdminVerifies(principal, request.body.verified);
      const created = await ctx.store
        .transaction(async (tx) => {
          const d = await tx.domains.create(organisation.id, request.body);
          await audit(
            tx,
            principal,
            organisation.id,
            'domain.create',
            { type: 'domain', id: d.id },
            request.body,
          );
          return d;
        })
        .catch(conflictAs('domain_taken', 'This domain is already claimed'));
      return reply.status(201).send(present(created));
    },
  );

  app.get(
    base,
    {
      schema: {
        tags,
        summary: "List the organisation's email domains",
        params: orgParams,
        response: { 200: z.object({ items: z.array(domainSchema) }), ...errorResponses },
      },
    },
    async (request) => {
      const { organisation } = await requirePathOrganisation(ctx, request, 'read');
      return { items: (await ctx.store.domains.list(organisation.id)).map(present) };
    },
  );

  app.get(
    `${base}/:domainId`,
    {
      schema: {
        tags,
        summary: 'Read an email domain',
        params: domainParams,
        response: { 200: domainSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { organisation } = await requirePathOrganisation(ctx, request, 'read');
      return present(await domainOrThrow(ctx.store, organisation.id, request.params.domainId));
    },
  );

  app.patch(
    `${base}/:domainId`,
    {
      schema: {
        tags,
        summary: 'Change enforceSso (or verified, instance admin only)',
        params: domainParams,
        body: z.strictObject({ verified: z.boolean().optional(), enforceSso: z.boolean().optional() }),
        response: { 200: domainSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { principal, organisation } = await requirePathOrganisation(ctx, request, 'write');
      onlyInstanceAdminVerifies(principal, request.body.verified);
      return ctx.store.transaction(async (tx) => {
        await domainOrThrow(tx, organisation.id, request.params.domainId);
        const d = await tx.domains.update(organisation.id, request.params.domainId, request.body);
        await audit(
          tx,
          principal,
          organisation.id,
          'domain.update',
          { type: 'domain', id: request.params.domainId },
          request.body,
        );
        return present(d!);
      });
    },
  );

  app.post(
    `${base}/:domainId/verify`,
    {
      schema: {
        tags,
        summary: 'Verify the domain by its DNS TXT record drawbridge-verification=<token>',
        params: domainParams,
        response: { 200: domainSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { principal, organisation } = await requirePathOrganisation(ctx, request, 'write');
      const d = await domainOrThrow(ctx.store, organisation.id, request.params.domainId);
      if (d.verified) return present(d);
      const expected = `drawbridge-verification=${d.verificationToken}`;
      let records: string[];
      try {
        records = await ctx.txtLookup(d.domain);
      } catch (err) {
        if (!(err instanceof DnsLookupError)) throw err;
        throw new ApiError('domain_verification_failed', `${err.message}; try again later`, {
          reason: 'dns_error',
          dnsCode: err.dnsCode,
        });
      }
      if (!records.some((r) => r.trim() === expected)) {
        const candidates = records.filter((r) => r.startsWith('drawbridge-verification=')).slice(0, 10);
        throw new ApiError('domain_verification_failed', `No TXT record of ${d.domain} says "${expected}"`, {
          reason: 'record_not_found',
          expected,
          found: candidates,
        });
      }
      return ctx.store.transaction(async (tx) => {
        const updated = await tx.domains.update(organisation.id, d.id, { verified: true });
        if (!updated) throw new ApiError('not_found', 'No such domain');
        await audit(
          tx,
          principal,
          organisation.id,
          'domain.verify',
          { type: 'domain', id: d.id },
          { method: 'dns' },
        );
        return present(updated);
      });
    },
  );

  app.delete(
    `${base}/:domainId`,
    {
      schema: {
        tags,
        summary: 'Release an email domain',
        params: domainParams,
        response: { 204: z.null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { principal, organisation } = await requirePathOrganisation(ctx, request, 'write');
      await ctx.store.transaction(async (tx) => {
        if (!(await tx.domains.delete(organisation.id, request.params.domainId)))
          throw new ApiError('not_found', 'No such domain');
        await audit(tx, principal, organisation.id, 'domain.delete', {
          type: 'domain',
          id: request.params.domainId,
        });
      });
      return reply.status(204).send(null);
    },
  );
}
