/**
 * An organisation's login policy: which sign-in methods its people may use
 * (`allowedLoginMethods`) and the SSO configuration they are sent to (`defaultSso`).
 */
import { z } from 'zod';
import { LOGIN_METHODS, loginPolicyFrom, SSO_PROTOCOLS, ssoLoginPath } from '../../identity/login-methods.ts';
import { audit } from '../audit.ts';
import type { App, AppContext } from '../context.ts';
import { ApiError } from '../errors.ts';
import { requireOrganisation } from '../principal.ts';
import { errorResponses, id } from '../schemas.ts';

const policySchema = z.object({
  allowedLoginMethods: z.array(z.enum(LOGIN_METHODS)),
  defaultSso: z
    .object({ protocol: z.enum(SSO_PROTOCOLS), name: z.string(), loginUrl: z.string() })
    .nullable(),
});

export function registerLoginPolicyRoutes(app: App, ctx: AppContext): void {
  const path = '/api/v1/organisations/:orgId/login-policy';
  const present = (policy: ReturnType<typeof loginPolicyFrom>) => ({
    allowedLoginMethods: [...policy.allowedLoginMethods],
    defaultSso: policy.defaultSso
      ? { ...policy.defaultSso, loginUrl: ssoLoginPath(policy.defaultSso) }
      : null,
  });

  app.get(
    path,
    {
      schema: {
        tags: ['organisations'],
        summary: "The organisation's login policy (allowed sign-in methods, default SSO configuration)",
        params: z.strictObject({ orgId: id }),
        response: { 200: policySchema, ...errorResponses },
      },
    },
    async (request) => {
      const { organisation } = await requireOrganisation(ctx, request, request.params.orgId, 'read');
      return present(loginPolicyFrom(await ctx.store.loginPolicies.get(organisation.id)));
    },
  );

  app.patch(
    path,
    {
      schema: {
        tags: ['organisations'],
        summary: "Change the organisation's allowed sign-in methods or default SSO configuration",
        params: z.strictObject({ orgId: id }),
        body: z.strictObject({
          allowedLoginMethods: z
            .array(z.enum(LOGIN_METHODS))
            .min(1, 'at least one sign-in method must stay allowed')
            .refine((m) => new Set(m).size === m.length, 'methods must not repeat')
            .optional(),
          defaultSso: z
            .strictObject({
              protocol: z.enum(SSO_PROTOCOLS),
              name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'expected a configuration name'),
            })
            .nullable()
            .optional(),
        }),
        response: { 200: policySchema, ...errorResponses },
      },
    },
    async (request) => {
      const { principal, organisation } = await requireOrganisation(
        ctx,
        request,
        request.params.orgId,
        'write',
      );
      const body = request.body;
      return ctx.store.transaction(async (tx) => {
        const current = loginPolicyFrom(await tx.loginPolicies.get(organisation.id));
        const defaultSso = body.defaultSso === undefined ? current.defaultSso : body.defaultSso;
        if (body.defaultSso) {
          const { protocol, name } = body.defaultSso;
          const c =
            protocol === 'saml'
              ? await tx.samlConfigurations.getByName(name)
              : await tx.oidcConfigurations.getByName(name);
          if (!c || c.organisationId !== organisation.id) {
            throw new ApiError(
              'not_found',
              `No ${protocol.toUpperCase()} configuration of this name in the organisation`,
            );
          }
        }
        const next = {
          allowedLoginMethods: body.allowedLoginMethods ?? [...current.allowedLoginMethods],
          defaultSso,
        };
        await tx.loginPolicies.put({ organisationId: organisation.id, ...next });
        await audit(
          tx,
          principal,
          organisation.id,
          'organisation.login_policy_update',
          { type: 'organisation', id: organisation.id },
          body,
        );
        return present(next);
      });
    },
  );
}
