/**
 * Provider presets: what each kind of provider needs by default (issuer or endpoints, scope,
 * claim names). A connection's own settings override any of them.
 */
export const OIDC_PROVIDER_NAMES = [
  'google',
  'microsoft',
  'okta',
  'github',
  'generic-oidc',
  'generic-oauth2',
] as const;
export type ProviderName = (typeof OIDC_PROVIDER_NAMES)[number];

export type ClaimField =
  | 'id'
  | 'email'
  | 'emailVerified'
  | 'firstName'
  | 'lastName'
  | 'displayName'
  | 'role'
  | 'groups';
export type ClaimNames = Partial<Record<ClaimField, string>> & { extra?: string[] };

export interface ProviderPreset {
  /** OpenID Connect (ID token) or plain OAuth2 (profile from an API). */
  kind: 'oidc' | 'oauth2';
  issuer?: (tenant: string | null) => string;
  endpoints?: { authorization: string; token: string; userinfo: string };
  scope: string;
  claims: Required<Omit<ClaimNames, 'extra'>>;
}

const STANDARD_CLAIMS = {
  // `sub` is stable; LiteLLM's default `preferred_username` can change and split a person in two.
  id: 'sub',
  email: 'email',
  emailVerified: 'email_verified',
  firstName: 'given_name',
  lastName: 'family_name',
  displayName: 'name',
  role: 'role',
  groups: 'groups',
} as const;

export const PROVIDER_PRESETS: Record<ProviderName, ProviderPreset> = {
  google: {
    kind: 'oidc',
    issuer: () => 'https://accounts.google.com',
    scope: 'openid email profile',
    claims: STANDARD_CLAIMS,
  },
  microsoft: {
    kind: 'oidc',
    // `common` and `organizations` publish the `{tenantid}` issuer template.
    issuer: (tenant) => `https://login.microsoftonline.com/${tenant ?? 'common'}/v2.0`,
    scope: 'openid email profile',
    // Entra sends no email_verified; `xms_edov` (an optional claim) says the domain owner verified it.
    claims: { ...STANDARD_CLAIMS, emailVerified: 'xms_edov' },
  },
  okta: { kind: 'oidc', scope: 'openid email profile groups', claims: STANDARD_CLAIMS },
  github: {
    kind: 'oauth2',
    endpoints: {
      authorization: 'https://github.com/login/oauth/authorize',
      token: 'https://github.com/login/oauth/access_token',
      userinfo: 'https://api.github.com/user',
    },
    scope: 'read:user user:email',
    claims: { ...STANDARD_CLAIMS, id: 'id', firstName: 'given_name', displayName: 'name', groups: 'groups' },
  },
  'generic-oidc': { kind: 'oidc', scope: 'openid email profile', claims: STANDARD_CLAIMS },
  'generic-oauth2': { kind: 'oauth2', scope: 'openid email profile', claims: STANDARD_CLAIMS },
};

/** The claim names in force: the preset's, overridden field by field. */
export function claimNamesFor(provider: ProviderName, overrides: ClaimNames) {
  const preset = PROVIDER_PRESETS[provider].claims;
  const { extra, ...fields } = overrides;
  return { ...preset, ...fields, extra: extra ?? [] };
}

/**
 * Microsoft's multi-tenant endpoints: which tenants their `{tenantid}` issuer may stand for
 * (`organizations` excludes personal accounts, `consumers` is only them).
 */
export const MICROSOFT_CONSUMER_TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';
export function microsoftTenantAllowed(tenant: string | null): ((tid: string) => boolean) | undefined {
  const t = tenant?.toLowerCase() ?? 'common';
  if (t === 'common') return undefined;
  if (t === 'organizations') return (tid) => tid !== MICROSOFT_CONSUMER_TENANT;
  if (t === 'consumers') return (tid) => tid === MICROSOFT_CONSUMER_TENANT;
  return (tid) => tid === t;
}
