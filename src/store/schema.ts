/**
 * Table types shared by both engines. Timestamps are epoch milliseconds (SQLite INTEGER,
 * PostgreSQL BIGINT parsed to number); booleans are 0/1 integers so that one set of
 * queries serves SQLite and PostgreSQL alike.
 */
export interface OrganisationsTable {
  id: string;
  name: string;
  slug: string;
  created_at: number;
  updated_at: number;
}

export interface UsersTable {
  id: string;
  email: string;
  email_normalized: string;
  first_name: string;
  last_name: string;
  password_hash: string | null;
  disabled: number;
  is_instance_admin: number;
  attributes: string;
  created_at: number;
  updated_at: number;
}

export interface MembershipsTable {
  user_id: string;
  organisation_id: string;
  role: string;
  created_at: number;
}

export interface GroupsTable {
  id: string;
  organisation_id: string;
  name: string;
  external_id: string | null;
  add_new_users_by_default: number;
  role: string | null;
  created_at: number;
  updated_at: number;
}

export interface GroupMembershipsTable {
  group_id: string;
  user_id: string;
  source: 'manual' | 'sso';
  created_at: number;
}

export interface EmailDomainsTable {
  id: string;
  organisation_id: string;
  domain: string;
  verified: number;
  enforce_sso: number;
  verification_token: string;
  created_at: number;
  updated_at: number;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  secret_hash: string;
  organisation_id: string | null;
  role: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface SessionsTable {
  id_hash: string;
  user_id: string;
  created_at: number;
  last_seen_at: number;
  idle_expires_at: number;
  absolute_expires_at: number;
  revoked_at: number | null;
  ip: string | null;
  user_agent: string | null;
  method: string;
}

export interface LoginTracesTable {
  id: string;
  organisation_id: string | null;
  protocol: string;
  configuration: string | null;
  outcome: 'success' | 'failure';
  code: string | null;
  message: string | null;
  email: string | null;
  user_id: string | null;
  ip: string | null;
  detail: string;
  created_at: number;
}

export interface AuditEventsTable {
  id: string;
  organisation_id: string | null;
  actor: string;
  action: string;
  target_type: string;
  target_id: string | null;
  detail: string;
  created_at: number;
}

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: number;
}

export interface SamlConfigurationsTable {
  id: string;
  organisation_id: string;
  name: string;
  enabled: number;
  allow_idp_initiated: number;
  idp_metadata_xml: string | null;
  idp_entity_id: string | null;
  idp_sso_redirect_url: string | null;
  idp_sso_post_url: string | null;
  idp_certificates: string;
  idp_metadata_signers: string;
  frontend_url: string | null;
  attribute_mappings: string;
  default_role: string;
  allow_sha1: number;
  want_assertions_encrypted: number;
  require_signed_assertion: number;
  sign_authn_requests: number;
  max_assertion_age_seconds: number | null;
  required_authn_contexts: string;
  created_at: number;
  updated_at: number;
}

export interface OidcConfigurationsTable {
  id: string;
  organisation_id: string;
  name: string;
  provider: string;
  enabled: number;
  issuer: string | null;
  authorization_endpoint: string | null;
  token_endpoint: string | null;
  userinfo_endpoint: string | null;
  jwks_uri: string | null;
  client_id: string;
  client_auth: string;
  client_secret_sealed: string | null;
  private_key_sealed: string | null;
  scope: string;
  use_pkce: number;
  fetch_userinfo: number;
  include_client_id: number;
  extra_headers: string;
  claims: string;
  id_token_algorithms: string;
  default_role: string;
  allowed_email_domains: string;
  user_defaults: string;
  frontend_url: string | null;
  tenant: string | null;
  graph_endpoint: string | null;
  source: string;
  created_at: number;
  updated_at: number;
}

export interface IdentityLinkRequestsTable {
  id: string;
  connection: string;
  connection_name: string;
  subject: string;
  user_id: string;
  browser_hash: string;
  created_at: number;
  expires_at: number;
}

export interface SpKeysTable {
  id: string;
  use: 'signing' | 'encryption';
  status: 'active' | 'next' | 'previous';
  certificate_pem: string;
  private_key_sealed: string;
  not_after: number;
  created_at: number;
}

export interface PendingLoginsTable {
  id: string;
  protocol: string;
  configuration_id: string;
  browser_hash: string;
  return_to: string;
  data: string;
  created_at: number;
  expires_at: number;
}

export interface ReplayCacheTable {
  key: string;
  expires_at: number;
}

export interface ExternalIdentitiesTable {
  connection: string;
  subject: string;
  user_id: string;
  linked_by: string;
  created_at: number;
  last_login_at: number;
}

export interface LoginThrottlesTable {
  /** `account:<normalised email>` or `ip:<client address>`. */
  key: string;
  failures: number;
  first_failure_at: number;
  last_failure_at: number;
}

export interface PasswordTokensTable {
  id_hash: string;
  purpose: 'invitation' | 'reset';
  user_id: string;
  organisation_id: string | null;
  created_by: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface LoginPoliciesTable {
  organisation_id: string;
  allowed_login_methods: string;
  default_sso_protocol: string | null;
  default_sso_name: string | null;
  updated_at: number;
}

export interface Database {
  organisations: OrganisationsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  groups: GroupsTable;
  group_memberships: GroupMembershipsTable;
  email_domains: EmailDomainsTable;
  api_keys: ApiKeysTable;
  sessions: SessionsTable;
  login_traces: LoginTracesTable;
  audit_events: AuditEventsTable;
  settings: SettingsTable;
  saml_configurations: SamlConfigurationsTable;
  oidc_configurations: OidcConfigurationsTable;
  sp_keys: SpKeysTable;
  pending_logins: PendingLoginsTable;
  replay_cache: ReplayCacheTable;
  external_identities: ExternalIdentitiesTable;
  identity_link_requests: IdentityLinkRequestsTable;
  login_throttles: LoginThrottlesTable;
  password_tokens: PasswordTokensTable;
  login_policies: LoginPoliciesTable;
}
