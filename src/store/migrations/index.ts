/** The migration list, in order. A static provider: no directory scanning at start. */
import type { Migration, MigrationProvider } from 'kysely/migration';
import * as initial from './0001-initial.ts';
import * as sso from './0002-sso.ts';
import * as oidc from './0003-oidc.ts';
import * as passwordAccounts from './0004-password-accounts.ts';
import * as identityLinkRequests from './0005-identity-link-requests.ts';
import * as samlLoginRules from './0006-saml-login-rules.ts';
import * as clusteredSqliteTables from './0007-clustered-sqlite-tables.ts';
import * as emailLookalikeKeys from './0008-email-lookalike-keys.ts';

const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-sso': sso,
  '0003-oidc': oidc,
  '0004-password-accounts': passwordAccounts,
  '0005-identity-link-requests': identityLinkRequests,
  '0006-saml-login-rules': samlLoginRules,
  '0007-clustered-sqlite-tables': clusteredSqliteTables,
  '0008-email-lookalike-keys': emailLookalikeKeys,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
