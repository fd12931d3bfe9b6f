/**
 * OpenID Connect and OAuth2 connections: several per organisation, each with a globally
 * unique, immutable name (its redirect URI carries it). Secrets arrive sealed; this layer
 * never sees them in the clear.
 */
import type { Kysely, Selectable, Updateable } from 'kysely';
import { translateConstraints } from '../errors.ts';
import { hotQuery } from '../hot-query.ts';
import { newId } from '../ids.ts';
import type { Database, OidcConfigurationsTable } from '../schema.ts';

export const OIDC_PROVIDERS = [
  'google',
  'microsoft',
  'okta',
  'github',
  'generic-oidc',
  'generic-oauth2',
] as const;
export type OidcProvider = (typeof OIDC_PROVIDERS)[number];

export const CLIENT_AUTH_METHODS = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
  'none',
] as const;
export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];

/** Where each part of the person's profile is read from; dot paths reach into nested claims. */
export type ClaimNames = Partial<
  Record<'id' | 'email' | 'firstName' | 'lastName' | 'displayName' | 'role' | 'groups', string>
>;

export interface OidcConfiguration {
  id: string;
  organisationId: string;
  name: string;
  provider: OidcProvider;
  enabled: boolean;
  /** Issuer identifier or discovery URL (OIDC); null for plain OAuth2. */
  issuer: string | null;
  authorizationEndpoint: string | null;
  tokenEndpoint: string | null;
  userinfoEndpoint: string | null;
  jwksUri: string | null;
  clientId: string;
  clientAuth: ClientAuthMethod;
  clientSecretSealed: string | null;
  privateKeySealed: string | null;
  scope: string;
  usePkce: boolean;
  fetchUserinfo: boolean;
  /** LiteLLM's GENERIC_INCLUDE_CLIENT_ID: send client_id in the token request body too. */
  includeClientId: boolean;
  extraHeaders: Record<string, string>;
  claims: ClaimNames;
  idTokenAlgorithms: string[];
  defaultRole: string;
  allowedEmailDomains: string[];
  /** Attributes a user gets at first login (LiteLLM's SSOUserDefinedValues). */
  userDefaults: Record<string, unknown>;
  frontendUrl: string | null;
  /** Microsoft: the tenant (id, domain, `common`, `organizations`). */
  tenant: string | null;
  /** Microsoft Graph base URL for the groups overage. */
  graphEndpoint: string | null;
  /** `api` (admin API) or `env` (created from LiteLLM-style environment variables at start). */
  source: 'api' | 'env';
  createdAt: number;
  updatedAt: number;
}

export type OidcConfigurationInput = Omit<
  OidcConfiguration,
  'id' | 'organisationId' | 'createdAt' | 'updatedAt'
>;

function toConfiguration(r: Selectable<OidcConfigurationsTable>): OidcConfiguration {
  return {
    id: r.id,
    organisationId: r.organisation_id,
    name: r.name,
    provider: r.provider as OidcProvider,
    enabled: r.enabled === 1,
    issuer: r.issuer,
    authorizationEndpoint: r.authorization_endpoint,
    tokenEndpoint: r.token_endpoint,
    userinfoEndpoint: r.userinfo_endpoint,
    jwksUri: r.jwks_uri,
    clientId: r.client_id,
    clientAuth: r.client_auth as ClientAuthMethod,
    clientSecretSealed: r.client_secret_sealed,
    privateKeySealed: r.private_key_sealed,
    scope: r.scope,
    usePkce: r.use_pkce === 1,
    fetchUserinfo: r.fetch_userinfo === 1,
    includeClientId: r.include_client_id === 1,
    extraHeaders: JSON.parse(r.extra_headers) as Record<string, string>,
    claims: JSON.parse(r.claims) as ClaimNames,
    idTokenAlgorithms: JSON.parse(r.id_token_algorithms) as string[],
    defaultRole: r.default_role,
    allowedEmailDomains: JSON.parse(r.allowed_email_domains) as string[],
    userDefaults: JSON.parse(r.user_defaults) as Record<string, unknown>,
    frontendUrl: r.frontend_url,
    tenant: r.tenant,
    graphEndpoint: r.graph_endpoint,
    source: r.source === 'env' ? 'env' : 'api',
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

const COLUMNS: { [K in keyof OidcConfigurationInput]: keyof OidcConfigurationsTable } = {
  name: 'name',
  provider: 'provider',
  enabled: 'enabled',
  issuer: 'issuer',
  authorizationEndpoint: 'authorization_endpoint',
  tokenEndpoint: 'token_endpoint',
  userinfoEndpoint: 'userinfo_endpoint',
  jwksUri: 'jwks_uri',
  clientId: 'client_id',
  clientAuth: 'client_auth',
  clientSecretSealed: 'client_secret_sealed',
  privateKeySealed: 'private_key_sealed',
  scope: 'scope',
  usePkce: 'use_pkce',
  fetchUserinfo: 'fetch_userinfo',
  includeClientId: 'include_client_id',
  extraHeaders: 'extra_headers',
  claims: 'claims',
  idTokenAlgorithms: 'id_token_algorithms',
  defaultRole: 'default_role',
  allowedEmailDomains: 'allowed_email_domains',
  userDefaults: 'user_defaults',
  frontendUrl: 'frontend_url',
  tenant: 'tenant',
  graphEndpoint: 'graph_endpoint',
  source: 'source',
};

/** Booleans become 0/1 and objects JSON, column by column; absent fields stay untouched. */
function toRow(c: Partial<OidcConfigurationInput>): Updateable<OidcConfigurationsTable> {
  const row: Record<string, unknown> = {};
  for (const [field, column] of Object.entries(COLUMNS)) {
    const v = c[field as keyof OidcConfigurationInput];
    if (v === undefined) continue;
    row[column] =
      typeof v === 'boolean' ? (v ? 1 : 0) : v !== null && typeof v === 'object' ? JSON.stringify(v) : v;
  }
  return row as Updateable<OidcConfigurationsTable>;
}

export function oidcConfigurationsRepository(db: Kysely<Database>) {
  // Read fresh on every login and callback (an edit or a switch-off applies at once on every
  // instance), so compiled once (src/store/hot-query.ts).
  const byNameQuery = hotQuery(
    db,
    1,
    (p) => db.selectFrom('oidc_configurations').selectAll().where('name', '=', p(0)),
    'oidcConfigurations.byName',
  );
  return {
    async create(organisationId: string, input: OidcConfigurationInput): Promise<OidcConfiguration> {
      const now = Date.now();
      const id = newId();
      await translateConstraints('an OIDC configuration with this name', () =>
        db
          .insertInto('oidc_configurations')
          .values({
            ...(toRow(input) as Selectable<OidcConfigurationsTable>),
            id,
            organisation_id: organisationId,
            created_at: now,
            updated_at: now,
          })
          .execute(),
      );
      return (await this.getById(id))!;
    },

    async getById(id: string): Promise<OidcConfiguration | undefined> {
      const r = await db
        .selectFrom('oidc_configurations')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return r && toConfiguration(r);
    },

    /** By its globally unique name (the redirect URI carries it): read fresh by every login and callback. */
    async getByName(name: string): Promise<OidcConfiguration | undefined> {
      const [r] = await byNameQuery(name);
      return r && toConfiguration(r);
    },

    async list(organisationId: string): Promise<OidcConfiguration[]> {
      const rows = await db
        .selectFrom('oidc_configurations')
        .selectAll()
        .where('organisation_id', '=', organisationId)
        .orderBy('name')
        .execute();
      return rows.map(toConfiguration);
    },

    async update(id: string, patch: Partial<OidcConfigurationInput>): Promise<OidcConfiguration | undefined> {
      const { name: _immutable, ...rest } = patch;
      await db
        .updateTable('oidc_configurations')
        .set({ ...toRow(rest), updated_at: Date.now() })
        .where('id', '=', id)
        .execute();
      return this.getById(id);
    },

    async delete(id: string): Promise<boolean> {
      const r = await db.deleteFrom('oidc_configurations').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };
}
