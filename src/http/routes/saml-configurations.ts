/**
 * SAML configurations of an organisation (Flagsmith's model): a globally unique, immutable,
 * URL-friendly name that forms the ACS URL; IdP metadata that may come after creation;
 * attribute mappings, default role and the security switches.
 */
import { z } from 'zod';
import { certificateFingerprint } from '../../saml/sp-keys.ts';
import { idpUrlAllowed } from '../../sso/idp-url-policy.ts';
import { samlUrls } from '../../sso/saml-urls.ts';
import type {
  SamlConfiguration,
  SamlConfigurationInput,
} from '../../store/repositories/saml-configurations.ts';
import type { App, AppContext } from '../context.ts';
import { ApiError } from '../errors.ts';
import { roleOrThrow } from '../role-input.ts';
import { CONFIGURATION_NAME, registerNamedConfigurationRoutes } from './named-configurations.ts';

const mappingName = z.string().trim().min(1).max(512);
const attributeMappings = z.strictObject({
  id: mappingName.optional(),
  email: mappingName.optional(),
  firstName: mappingName.optional(),
  lastName: mappingName.optional(),
  displayName: mappingName.optional(),
  groups: mappingName.optional(),
  role: mappingName.optional(),
});

const httpUrl = z
  .string()
  .max(2048)
  .refine((v) => {
    try {
      const u = new URL(v);
      return u.protocol === 'https:' || u.protocol === 'http:';
    } catch {
      return false;
    }
  }, 'expected an http(s) URL');

const fields = {
  allowIdpInitiated: z.boolean().optional(),
  idpMetadataXml: z
    .string()
    .max(1024 * 1024)
    .nullable()
    .optional(),
  idpEntityId: z
    .string()
    .max(1024)
    .optional()
    .describe('Which IdP to take from an aggregate (EntitiesDescriptor)'),
  idpMetadataSigningCertificates: z
    .array(z.string().max(16_384))
    .max(5)
    .optional()
    .describe('PEM certificates; when given, IdP metadata must carry a valid signature by one of them'),
  frontendUrl: httpUrl.nullable().optional(),
  attributeMappings: attributeMappings.optional(),
  defaultRole: z.string().max(64).optional(),
  allowSha1: z.boolean().optional(),
  wantAssertionsEncrypted: z.boolean().optional(),
  requireSignedAssertion: z.boolean().optional(),
  signAuthnRequests: z.boolean().optional(),
  maxAssertionAgeSeconds: z
    .number()
    .int()
    .min(60)
    .max(7 * 86_400)
    .nullable()
    .optional()
    .describe('Refuse assertions issued, or logins authenticated, longer ago (S-SEM-35); null: no limit'),
  requiredAuthnContexts: z
    .array(z.string().trim().min(1).max(512))
    .max(10)
    .optional()
    .describe(
      'AuthnContextClassRef values of which the IdP must report one, e.g. MFA (S-SEM-38); requested in the AuthnRequest',
    ),
  enabled: z.boolean().optional(),
};

const createBody = z.strictObject({
  name: z
    .string()
    .regex(
      CONFIGURATION_NAME,
      'lowercase letters, digits, _ and -, starting with a letter or digit, ≤ 63 characters',
    ),
  ...fields,
});
const patchBody = z.strictObject({ name: z.string().max(64).optional(), ...fields });

const configurationSchema = z.object({
  id: z.string(),
  organisationId: z.string(),
  name: z.string(),
  entityId: z.string(),
  acsUrl: z.string(),
  metadataUrl: z.string(),
  loginUrl: z.string(),
  enabled: z.boolean(),
  allowIdpInitiated: z.boolean(),
  frontendUrl: z.string().nullable(),
  attributeMappings: z.record(z.string(), z.string()),
  defaultRole: z.string(),
  allowSha1: z.boolean(),
  wantAssertionsEncrypted: z.boolean(),
  requireSignedAssertion: z.boolean(),
  signAuthnRequests: z.boolean(),
  maxAssertionAgeSeconds: z.number().nullable(),
  requiredAuthnContexts: z.array(z.string()),
  idp: z
    .object({
      entityId: z.string(),
      ssoRedirectUrl: z.string().nullable(),
      ssoPostUrl: z.string().nullable(),
      certificates: z.array(z.object({ fingerprintSha256: z.string() })),
    })
    .nullable(),
  idpMetadataXml: z.string().nullable(),
  idpMetadataSigners: z.array(z.object({ fingerprintSha256: z.string() })),
  createdAt: z.number(),
  updatedAt: z.number(),
});

type Body = z.infer<typeof patchBody>;

export function registerSamlConfigurationRoutes(app: App, ctx: AppContext): void {
  function present(c: SamlConfiguration) {
    const urls = samlUrls(ctx.config.BASE_URL, c.name, ctx.config.SAML_FORCE_SSL);
    return {
      ...c,
      ...urls,
      idpMetadataSigners: c.idpMetadataSigners.map((pem) => ({
        fingerprintSha256: certificateFingerprint(pem),
      })),
      idp: c.idpEntityId
        ? {
            entityId: c.idpEntityId,
            ssoRedirectUrl: c.idpSsoRedirectUrl,
            ssoPostUrl: c.idpSsoPostUrl,
            certificates: c.idpCertificates.map((pem) => ({
              fingerprintSha256: certificateFingerprint(pem),
            })),
          }
        : null,
    };
  }

  /** Turns request fields into stored fields: metadata parsed, role resolved. Throws 400s. */
  async function toInput(body: Body, current?: SamlConfiguration): Promise<Partial<SamlConfigurationInput>> {
    const {
      idpEntityId,
      idpMetadataXml,
      defaultRole,
      idpMetadataSigningCertificates,
      name: _name,
      ...rest
    } = body;
    const input: Partial<SamlConfigurationInput> = { ...rest };
    const signers = idpMetadataSigningCertificates ?? current?.idpMetadataSigners ?? [];
    if (idpMetadataSigningCertificates !== undefined)
      input.idpMetadataSigners = idpMetadataSigningCertificates;
    if (defaultRole !== undefined) input.defaultRole = roleOrThrow(ctx, defaultRole);
    if (idpMetadataXml === null) {
      Object.assign(input, {
        idpMetadataXml: null,
        idpEntityId: null,
        idpSsoRedirectUrl: null,
        idpSsoPostUrl: null,
        idpCertificates: [],
      });
    } else if (idpMetadataXml !== undefined) {
      // A SamlConfigError (malformed, no certificate, ...) becomes a 400 with its own code.
      // Loaded on first use, like the rest of the SAML stack.
      const { parseIdpMetadata } = await import('../../saml/idp-metadata.ts');
      const parsed = parseIdpMetadata(idpMetadataXml, {
        ...(idpEntityId ? { entityId: idpEntityId } : {}),
        ...(signers.length > 0 ? { requireSignature: true, signerCertificates: signers } : {}),
      });
      for (const url of [parsed.ssoUrls.redirect, parsed.ssoUrls.post]) {
        if (url && !idpUrlAllowed(url, ctx.config.DRAWBRIDGE_ALLOW_PRIVATE_IDP_URLS)) {
          throw new ApiError(
            'idp_url_not_allowed',
            `IdP URL ${url} must be https on a public host (see DRAWBRIDGE_ALLOW_PRIVATE_IDP_URLS)`,
          );
        }
      }
      Object.assign(input, {
        idpMetadataXml,
        idpEntityId: parsed.entityId,
        idpSsoRedirectUrl: parsed.ssoUrls.redirect ?? null,
        idpSsoPostUrl: parsed.ssoUrls.post ?? null,
        idpCertificates: parsed.signingCertificates,
      });
    }
    return input;
  }

  registerNamedConfigurationRoutes(app, ctx, {
    path: 'saml-configurations',
    audited: 'saml_configuration',
    noun: 'SAML configuration',
    renameRefusal: 'The name of a SAML configuration cannot change: it is part of the ACS URL the IdP knows',
    summaries: {
      create: 'Create a SAML configuration',
      list: "List the organisation's SAML configurations",
      read: 'Read a SAML configuration',
      update: 'Change a SAML configuration (its name is immutable)',
      delete: 'Delete a SAML configuration',
    },
    createBody,
    patchBody,
    shown: configurationSchema,
    repository: (repos) => repos.samlConfigurations,
    present,
    createInput: async (body) => ({
      name: body.name,
      enabled: true,
      allowIdpInitiated: false,
      idpMetadataXml: null,
      idpEntityId: null,
      idpSsoRedirectUrl: null,
      idpSsoPostUrl: null,
      idpCertificates: [],
      idpMetadataSigners: [],
      frontendUrl: null,
      attributeMappings: {},
      defaultRole: 'member_viewer',
      allowSha1: false,
      wantAssertionsEncrypted: false,
      requireSignedAssertion: true,
      signAuthnRequests: true,
      maxAssertionAgeSeconds: null,
      requiredAuthnContexts: [],
      ...(await toInput(body)),
    }),
    patchInput: (body, current) => toInput(body, current),
    createdDetail: (c) => ({ name: c.name }),
    updatedDetail: (body) => ({
      fields: Object.keys(body).filter((k) => k !== 'idpMetadataXml'),
      metadataChanged: body.idpMetadataXml !== undefined,
    }),
  });
}
