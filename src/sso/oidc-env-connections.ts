/**
 * LiteLLM's SSO environment variables → the OIDC / OAuth2 connections they describe (pure:
 * no storage, no secrets sealed). src/sso/oidc-bootstrap.ts writes the result at start.
 * Variable names are LiteLLM's exactly (docs/oidc.md, "Configuring from environment variables").
 */
import type { Config } from '../config/schema.ts';
import { normaliseRole } from '../identity/roles.ts';
import { DEFAULT_ALGORITHMS } from '../oidc/id-token.ts';
import { type ClaimNames, PROVIDER_PRESETS, type ProviderName } from '../oidc/providers.ts';
import type { OidcConfigurationInput } from '../store/repositories/oidc-configurations.ts';
import { idpUrlAllowed } from './idp-url-policy.ts';

/** A connection as the environment describes it; the secret is still in the clear here. */
export interface EnvConnection {
  input: Omit<OidcConfigurationInput, 'clientSecretSealed'>;
  clientSecret: string | null;
}

/** A variable set that cannot become a connection: logged at start, nothing written. */
export interface EnvConnectionProblem {
  name: string;
  message: string;
}

/** Thrown for a setting that makes every environment connection wrong (stops the start). */
export class EnvironmentConfigError extends Error {
  override name = 'EnvironmentConfigError';
}

/**
 * The fields the environment owns: compared and rewritten at every start. The rest
 * (`enabled`, `frontendUrl`, `jwksUri`, `privateKeySealed`, `idTokenAlgorithms`) has no
 * LiteLLM variable: set once at creation, then left to the admin API.
 */
export const ENV_MANAGED_FIELDS = [
  'provider',
  'issuer',
  'authorizationEndpoint',
  'tokenEndpoint',
  'userinfoEndpoint',
  'clientId',
  'clientAuth',
  'scope',
  'usePkce',
  'fetchUserinfo',
  'includeClientId',
  'extraHeaders',
  'claims',
  'defaultRole',
  'allowedEmailDomains',
  'userDefaults',
  'tenant',
  'graphEndpoint',
  'source',
] as const satisfies readonly (keyof OidcConfigurationInput)[];

/** SSO_DEFAULT_ROLE (LiteLLM's role names accepted), else `member_viewer`; throws when not a role. */
export function environmentDefaultRole(config: Pick<Config, 'SSO_DEFAULT_ROLE' | 'ROLES'>): string {
  const wanted = config.SSO_DEFAULT_ROLE ?? 'member_viewer';
  const role = normaliseRole(wanted, config.ROLES);
  if (!role) {
    throw new EnvironmentConfigError(
      `SSO_DEFAULT_ROLE: "${wanted}" is not one of ROLES (${config.ROLES.join(', ')}) or their LiteLLM aliases`,
    );
  }
  return role;
}

/** Only the keys that were set, so the provider preset's claim names fill the rest. */
function claimsFrom(
  names: Partial<Record<keyof ClaimNames, string | undefined>>,
  extra: string[],
): ClaimNames {
  const claims: ClaimNames = {};
  for (const [field, value] of Object.entries(names)) {
    if (typeof value === 'string') (claims as Record<string, string>)[field] = value;
  }
  const unique = [...new Set(extra)];
  if (unique.length > 0) claims.extra = unique;
  return claims;
}

function connection(
  config: Config,
  defaultRole: string,
  fields: Pick<OidcConfigurationInput, 'name' | 'provider' | 'clientId'> &
    Partial<Omit<OidcConfigurationInput, 'clientSecretSealed'>>,
  clientSecret: string | undefined,
): EnvConnection {
  const provider: ProviderName = fields.provider;
  return {
    clientSecret: clientSecret ?? null,
    input: {
      enabled: true,
      issuer: null,
      authorizationEndpoint: null,
      tokenEndpoint: null,
      userinfoEndpoint: null,
      jwksUri: null,
      // A public client (no secret) authenticates with PKCE alone.
      clientAuth: clientSecret ? 'client_secret_basic' : 'none',
      privateKeySealed: null,
      scope: PROVIDER_PRESETS[provider].scope,
      usePkce: true,
      // OAuth2 providers have no ID token: the profile comes from userinfo.
      fetchUserinfo: PROVIDER_PRESETS[provider].kind === 'oauth2',
      includeClientId: false,
      extraHeaders: {},
      claims: {},
      idTokenAlgorithms: [...DEFAULT_ALGORITHMS],
      defaultRole,
      allowedEmailDomains: config.ALLOWED_EMAIL_DOMAINS,
      userDefaults: config.SSO_USER_DEFAULT_ATTRIBUTES ?? {},
      frontendUrl: null,
      tenant: null,
      graphEndpoint: null,
      source: 'env',
      ...fields,
    },
  };
}

/** Every URL must pass the same IdP URL policy the admin API applies. */
function urlProblem(c: EnvConnection, allowPrivate: boolean): string | undefined {
  for (const key of [
    'issuer',
    'authorizationEndpoint',
    'tokenEndpoint',
    'userinfoEndpoint',
    'graphEndpoint',
  ] as const) {
    const url = c.input[key];
    if (url && !idpUrlAllowed(url, allowPrivate)) {
      return `${key} ${url} must be https on a public host (see DRAWBRIDGE_ALLOW_PRIVATE_IDP_URLS)`;
    }
  }
  return undefined;
}

function generic(config: Config, defaultRole: string): EnvConnection | EnvConnectionProblem {
  const endpoints = {
    authorizationEndpoint: config.GENERIC_AUTHORIZATION_ENDPOINT ?? null,
    tokenEndpoint: config.GENERIC_TOKEN_ENDPOINT ?? null,
    userinfoEndpoint: config.GENERIC_USERINFO_ENDPOINT ?? null,
  };
  const issuer = config.GENERIC_ISSUER ?? null;
  if (
    !issuer &&
    !(endpoints.authorizationEndpoint && endpoints.tokenEndpoint && endpoints.userinfoEndpoint)
  ) {
    return {
      name: 'generic',
      message:
        'GENERIC_CLIENT_ID needs GENERIC_ISSUER (OpenID Connect) or all of GENERIC_AUTHORIZATION_ENDPOINT, GENERIC_TOKEN_ENDPOINT and GENERIC_USERINFO_ENDPOINT (OAuth2)',
    };
  }
  const provider: ProviderName = issuer ? 'generic-oidc' : 'generic-oauth2';
  const extra = [
    ...(config.GENERIC_USER_PROVIDER_ATTRIBUTE ? [config.GENERIC_USER_PROVIDER_ATTRIBUTE] : []),
    ...(config.GENERIC_USER_EXTRA_ATTRIBUTES ?? []),
  ];
  return connection(
    config,
    defaultRole,
    {
      name: 'generic',
      provider,
      clientId: config.GENERIC_CLIENT_ID!,
      issuer,
      ...endpoints,
      scope: config.GENERIC_SCOPE ?? PROVIDER_PRESETS[provider].scope,
      usePkce: config.GENERIC_CLIENT_USE_PKCE,
      // An OIDC provider's userinfo is read when the variable names one (LiteLLM always reads it).
      fetchUserinfo: provider === 'generic-oauth2' || endpoints.userinfoEndpoint !== null,
      includeClientId: config.GENERIC_INCLUDE_CLIENT_ID,
      extraHeaders: config.GENERIC_SSO_HEADERS ?? {},
      claims: claimsFrom(
        {
          id: config.GENERIC_USER_ID_ATTRIBUTE,
          email: config.GENERIC_USER_EMAIL_ATTRIBUTE,
          displayName: config.GENERIC_USER_DISPLAY_NAME_ATTRIBUTE,
          firstName: config.GENERIC_USER_FIRST_NAME_ATTRIBUTE,
          lastName: config.GENERIC_USER_LAST_NAME_ATTRIBUTE,
          role: config.GENERIC_USER_ROLE_ATTRIBUTE,
        },
        extra,
      ),
    },
    config.GENERIC_CLIENT_SECRET,
  );
}

/**
 * The connections the environment asks for (google, microsoft, github, generic, in that
 * order) and the problems of those it cannot build. Throws EnvironmentConfigError when
 * SSO_DEFAULT_ROLE is not a role and some connection needs it.
 */
export function connectionsFromEnvironment(config: Config): {
  connections: EnvConnection[];
  problems: EnvConnectionProblem[];
} {
  const wanted = [
    config.GOOGLE_CLIENT_ID,
    config.MICROSOFT_CLIENT_ID,
    config.GITHUB_CLIENT_ID,
    config.GENERIC_CLIENT_ID,
  ];
  if (wanted.every((v) => v === undefined)) return { connections: [], problems: [] };
  const role = environmentDefaultRole(config);
  const built: (EnvConnection | EnvConnectionProblem)[] = [];
  if (config.GOOGLE_CLIENT_ID) {
    built.push(
      connection(
        config,
        role,
        { name: 'google', provider: 'google', clientId: config.GOOGLE_CLIENT_ID },
        config.GOOGLE_CLIENT_SECRET,
      ),
    );
  }
  if (config.MICROSOFT_CLIENT_ID) {
    built.push(
      connection(
        config,
        role,
        {
          name: 'microsoft',
          provider: 'microsoft',
          clientId: config.MICROSOFT_CLIENT_ID,
          tenant: config.MICROSOFT_TENANT ?? null,
          authorizationEndpoint: config.MICROSOFT_AUTHORIZATION_ENDPOINT ?? null,
          tokenEndpoint: config.MICROSOFT_TOKEN_ENDPOINT ?? null,
          userinfoEndpoint: config.MICROSOFT_USERINFO_ENDPOINT ?? null,
          fetchUserinfo: config.MICROSOFT_USERINFO_ENDPOINT !== undefined,
          graphEndpoint: config.MICROSOFT_GRAPH_ENDPOINT ?? null,
          claims: claimsFrom(
            {
              email: config.MICROSOFT_USER_EMAIL_ATTRIBUTE,
              displayName: config.MICROSOFT_USER_DISPLAY_NAME_ATTRIBUTE,
              id: config.MICROSOFT_USER_ID_ATTRIBUTE,
              firstName: config.MICROSOFT_USER_FIRST_NAME_ATTRIBUTE,
              lastName: config.MICROSOFT_USER_LAST_NAME_ATTRIBUTE,
            },
            [],
          ),
        },
        config.MICROSOFT_CLIENT_SECRET,
      ),
    );
  }
  if (config.GITHUB_CLIENT_ID) {
    built.push(
      connection(
        config,
        role,
        { name: 'github', provider: 'github', clientId: config.GITHUB_CLIENT_ID },
        config.GITHUB_CLIENT_SECRET,
      ),
    );
  }
  if (config.GENERIC_CLIENT_ID) built.push(generic(config, role));

  const connections: EnvConnection[] = [];
  const problems: EnvConnectionProblem[] = [];
  for (const c of built) {
    if (!('input' in c)) {
      problems.push(c);
      continue;
    }
    const bad = urlProblem(c, config.DRAWBRIDGE_ALLOW_PRIVATE_IDP_URLS);
    if (bad) problems.push({ name: c.input.name, message: bad });
    else connections.push(c);
  }
  return { connections, problems };
}
