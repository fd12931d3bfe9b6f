/**
 * OpenID Connect / OAuth2 configurations of an organisation: named like SAML ones (globally
 * unique, immutable, part of the redirect URI), a provider preset, and secrets that go in but
 * never come out (sealed at rest).
 */
import { createPrivateKey } from 'node:crypto';
import { z } from 'zod';
import type { SecretBox } from '../../credentials/secret-box.ts';
import { DEFAULT_ALGORITHMS, SUPPORTED_ALGORITHMS } from '../../oidc/id-token.ts';
import { OIDC_PROVIDER_NAMES, PROVIDER_PRESETS } from '../../oidc/providers.ts';
import { idpUrlAllowed } from '../../sso/idp-url-policy.ts';
import { issuerOf } from '../../sso/oidc-client.ts';
import type { OidcFlow } from '../../sso/oidc-flow.ts';
import {
  CLIENT_AUTH_METHODS,
  type OidcConfiguration,
  type OidcConfigurationInput,
} from '../../store/repositories/oidc-configurations.ts';
import type { App, AppContext } from '../context.ts';
import { ApiError } from '../errors.ts';
import { roleOrThrow } from '../role-input.ts';
import { CONFIGURATION_NAME, registerNamedConfigurationRoutes } from './named-configurations.ts';

const httpUrl = z.string().max(2048).url();
const claimName = z.string().trim().min(1).max(256);

const fields = {
  issuer: httpUrl.nullable().optional().describe('Issuer identifier or discovery URL (OpenID Connect)'),
  authorizationEndpoint: httpUrl.nullable().optional(),
  tokenEndpoint: httpUrl.nullable().optional(),
  userinfoEndpoint: httpUrl.nullable().optional(),
  jwksUri: httpUrl.nullable().optional(),
  clientId: z.string().trim().min(1).max(512).optional(),
  clientSecret: z.string().min(1).max(4096).nullable().optional().describe('Write-only; sealed at rest'),
  clientAuth: z.enum(CLIENT_AUTH_METHODS).optional(),
  privateKeyPem: z.string().max(16_384).nullable().optional().describe('Write-only PEM for private_key_jwt'),
  scope: z.string().trim().min(1).max(1024).optional(),
  usePkce: z.boolean().optional(),
  fetchUserinfo: z.boolean().optional(),
  includeClientId: z.boolean().optional(),
  extraHeaders: z
    .record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/), z.string().max(4096))
    .optional()
    .describe('Headers added to every request to the provider'),
  claims: z
    .strictObject({
      id: claimName.optional(),
      email: claimName.optional(),
      emailVerified: claimName.optional(),
      firstName: claimName.optional(),
      lastName: claimName.optional(),
      displayName: claimName.optional(),
      role: claimName.optional(),
      groups: claimName.optional(),
      extra: z.array(claimName).max(50).optional(),
    })
    .optional()
    .describe('Claim names (dot paths allowed) for each profile field'),
  idTokenAlgorithms: z.array(z.enum(SUPPORTED_ALGORITHMS)).min(1).optional(),
  defaultRole: z.string().max(64).optional(),
  allowedEmailDomains: z
    .array(
      z
        .string()
        .trim()
        .toLowerCase()
        .regex(/^[a-z0-9.-]+\.[a-z0-9-]+$/),
    )
    .max(100)
    .optional(),
  userDefaults: z
    .record(z.string().max(128), z.unknown())
    .refine((v) => JSON.stringify(v).length <= 16_384, 'at most 16 KiB')
    .optional()
    .describe('Attributes given to users at their first login'),
  frontendUrl: httpUrl.nullable().optional(),
  tenant: z.string().trim().min(1).max(128).nullable().optional(),
  graphEndpoint: httpUrl.nullable().optional(),
  enabled: z.boolean().optional(),
};

const createBody = z.strictObject({
  name: z
    .string()
    .regex(CONFIGURATION_NAME, 'lowercase letters, digits, _ and -, starting with a letter or digit'),
  provider: z.enum(OIDC_PROVIDER_NAMES),
  ...fields,
  clientId: z.string().trim().min(1).max(512),
});
const patchBody = z.strictObject({
  name: z.string().max(64).optional(),
  provider: z.enum(OIDC_PROVIDER_NAMES).optional(),
  ...fields,
});
type Body = z.infer<typeof patchBody>;

const configurationSchema = z.object({
  id: z.string(),
  organisationId: z.string(),
  name: z.string(),
  provider: z.string(),
  redirectUri: z.string(),
  loginUrl: z.string(),
  enabled: z.boolean(),
  issuer: z.string().nullable(),
  authorizationEndpoint: z.string().nullable(),
  tokenEndpoint: z.string().nullable(),
  userinfoEndpoint: z.string().nullable(),
  jwksUri: z.string().nullable(),
  clientId: z.string(),
  clientAuth: z.string(),
  hasClientSecret: z.boolean(),
  hasPrivateKey: z.boolean(),
  scope: z.string(),
  usePkce: z.boolean(),
  fetchUserinfo: z.boolean(),
  includeClientId: z.boolean(),
  extraHeaderNames: z.array(z.string()),
  claims: z.record(z.string(), z.unknown()),
  idTokenAlgorithms: z.array(z.string()),
  defaultRole: z.string(),
  allowedEmailDomains: z.array(z.string()),
  userDefaults: z.record(z.string(), z.unknown()),
  frontendUrl: z.string().nullable(),
  tenant: z.string().nullable(),
  graphEndpoint: z.string().nullable(),
  source: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
});

/** A private key fit for private_key_jwt: RSA ≥ 2048 bits or EC P-256. */
function checkPrivateKey(pem: string): void {
  let ok = false;
  try {
    const k = createPrivateKey(pem);
    ok =
      (k.asymmetricKeyType === 'rsa' && (k.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048) ||
      (k.asymmetricKeyType === 'ec' && k.asymmetricKeyDetails?.namedCurve === 'prime256v1');
  } catch {}
  if (!ok)
    throw new ApiError(
      'invalid_private_key',
      'privateKeyPem must be an RSA (≥ 2048 bits) or EC P-256 private key in PEM',
    );
}

export function registerOidcConfigurationRoutes(
  app: App,
  ctx: AppContext,
  box: SecretBox,
  flow: OidcFlow,
): void {
  function present(c: OidcConfiguration) {
    const { clientSecretSealed, privateKeySealed, extraHeaders, ...rest } = c;
    return {
      ...rest,
      redirectUri: flow.redirectUri(c.name),
      loginUrl: `${ctx.config.BASE_URL}/api/v1/auth/oidc/${c.name}/login/`,
      hasClientSecret: clientSecretSealed !== null,
      hasPrivateKey: privateKeySealed !== null,
      extraHeaderNames: Object.keys(extraHeaders),
    };
  }

  /** Request fields → stored fields, with secrets sealed and the provider's needs checked. Throws 400s. */
  function toInput(body: Body, current: OidcConfiguration): Partial<OidcConfigurationInput> {
    const { clientSecret, privateKeyPem, defaultRole, name: _name, ...rest } = body;
    const input: Partial<OidcConfigurationInput> = { ...rest };
    if (defaultRole !== undefined) input.defaultRole = roleOrThrow(ctx, defaultRole);
    if (clientSecret !== undefined)
      input.clientSecretSealed = clientSecret === null ? null : box.seal(clientSecret);
    if (privateKeyPem !== undefined && privateKeyPem !== null) checkPrivateKey(privateKeyPem);
    if (privateKeyPem !== undefined)
      input.privateKeySealed = privateKeyPem === null ? null : box.seal(privateKeyPem);
    const merged = { ...current, ...input } as OidcConfiguration;
    const provider = merged.provider;
    for (const key of [
      'issuer',
      'authorizationEndpoint',
      'tokenEndpoint',
      'userinfoEndpoint',
      'jwksUri',
      'graphEndpoint',
    ] as const) {
      const url = merged[key];
      if (url && !idpUrlAllowed(url, ctx.config.DRAWBRIDGE_ALLOW_PRIVATE_IDP_URLS)) {
        throw new ApiError(
          'idp_url_not_allowed',
          `${key} ${url} must be https on a public host (see DRAWBRIDGE_ALLOW_PRIVATE_IDP_URLS)`,
        );
      }
    }
    if (PROVIDER_PRESETS[provider].kind === 'oidc' && !issuerOf(merged)) {
      throw new ApiError('oidc_issuer_required', `Provider ${provider} needs an issuer (discovery) URL`);
    }
    if (
      provider === 'generic-oauth2' &&
      !(merged.authorizationEndpoint && merged.tokenEndpoint && merged.userinfoEndpoint)
    ) {
      throw new ApiError(
        'oidc_endpoints_required',
        'A generic OAuth2 provider needs authorization, token and userinfo endpoints',
      );
    }
    if (merged.clientAuth === 'private_key_jwt' && !merged.privateKeySealed) {
      throw new ApiError('invalid_private_key', 'private_key_jwt needs privateKeyPem');
    }
    if (
      (merged.clientAuth === 'client_secret_basic' || merged.clientAuth === 'client_secret_post') &&
      !merged.clientSecretSealed
    ) {
      throw new ApiError('oidc_client_secret_required', `${merged.clientAuth} needs clientSecret`);
    }
    return input;
  }

  registerNamedConfigurationRoutes(app, ctx, {
    path: 'oidc-configurations',
    audited: 'oidc_configuration',
    noun: 'OIDC configuration',
    renameRefusal:
      'The name of an OIDC configuration cannot change: it is part of the redirect URI the provider knows',
    summaries: {
      create: 'Create an OIDC / OAuth2 configuration',
      list: "List the organisation's OIDC / OAuth2 configurations",
      read: 'Read an OIDC / OAuth2 configuration (secrets are never returned)',
      update: 'Change an OIDC / OAuth2 configuration (its name is immutable)',
      delete: 'Delete an OIDC / OAuth2 configuration',
    },
    createBody,
    patchBody,
    shown: configurationSchema,
    repository: (repos) => repos.oidcConfigurations,
    present,
    createInput(b) {
      const defaults: OidcConfigurationInput = {
        name: b.name,
        provider: b.provider,
        enabled: true,
        issuer: null,
        authorizationEndpoint: null,
        tokenEndpoint: null,
        userinfoEndpoint: null,
        jwksUri: null,
        clientId: b.clientId,
        clientAuth: b.privateKeyPem ? 'private_key_jwt' : b.clientSecret ? 'client_secret_basic' : 'none',
        clientSecretSealed: null,
        privateKeySealed: null,
        scope: PROVIDER_PRESETS[b.provider].scope,
        usePkce: true,
        // OAuth2 providers have no ID token: the profile comes from userinfo.
        fetchUserinfo: PROVIDER_PRESETS[b.provider].kind === 'oauth2',
        includeClientId: false,
        extraHeaders: {},
        claims: {},
        idTokenAlgorithms: [...DEFAULT_ALGORITHMS],
        defaultRole: 'member_viewer',
        allowedEmailDomains: [],
        userDefaults: {},
        frontendUrl: null,
        tenant: null,
        graphEndpoint: null,
        source: 'api',
      };
      return { ...defaults, ...toInput(b, defaults as OidcConfiguration) };
    },
    patchInput: toInput,
    createdDetail: (c) => ({ name: c.name, provider: c.provider }),
    // Which secrets changed, never their values.
    updatedDetail: (body) => ({
      fields: Object.keys(body).filter((k) => k !== 'clientSecret' && k !== 'privateKeyPem'),
      secretChanged: body.clientSecret !== undefined,
      privateKeyChanged: body.privateKeyPem !== undefined,
    }),
  });
}
