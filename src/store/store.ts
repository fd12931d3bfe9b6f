/** The storage contract: typed repositories per aggregate, and transactions over them. */
import type { Kysely } from 'kysely';
import type { DatabaseHandle } from './connect.ts';
import { groupCommit } from './group-commit.ts';
import { apiKeysRepository } from './repositories/api-keys.ts';
import { domainsRepository } from './repositories/domains.ts';
import { groupsRepository } from './repositories/groups.ts';
import { oidcConfigurationsRepository } from './repositories/oidc-configurations.ts';
import { organisationsRepository } from './repositories/organisations.ts';
import {
  loginPoliciesRepository,
  loginThrottlesRepository,
  ownSessionsRepository,
  passwordTokensRepository,
} from './repositories/password-accounts.ts';
import { auditEventsRepository, loginTracesRepository, settingsRepository } from './repositories/records.ts';
import { samlConfigurationsRepository } from './repositories/saml-configurations.ts';
import { sessionsRepository } from './repositories/sessions.ts';
import { spKeysRepository } from './repositories/sp-keys.ts';
import {
  externalIdentitiesRepository,
  identityLinkRequestsRepository,
  pendingLoginsRepository,
  replayCacheRepository,
} from './repositories/sso-state.ts';
import { membershipsRepository, usersRepository } from './repositories/users.ts';
import type { Database } from './schema.ts';

export function createRepositories(db: Kysely<Database>) {
  return {
    organisations: organisationsRepository(db),
    users: usersRepository(db),
    memberships: membershipsRepository(db),
    groups: groupsRepository(db),
    domains: domainsRepository(db),
    apiKeys: apiKeysRepository(db),
    sessions: sessionsRepository(db),
    loginTraces: loginTracesRepository(db),
    auditEvents: auditEventsRepository(db),
    settings: settingsRepository(db),
    samlConfigurations: samlConfigurationsRepository(db),
    oidcConfigurations: oidcConfigurationsRepository(db),
    spKeys: spKeysRepository(db),
    pendingLogins: pendingLoginsRepository(db),
    replayCache: replayCacheRepository(db),
    externalIdentities: externalIdentitiesRepository(db),
    identityLinkRequests: identityLinkRequestsRepository(db),
    loginThrottles: loginThrottlesRepository(db),
    passwordTokens: passwordTokensRepository(db),
    loginPolicies: loginPoliciesRepository(db),
    ownSessions: ownSessionsRepository(db),
  };
}

export type Repositories = ReturnType<typeof createRepositories>;

export interface Store extends Repositories {
  engine: DatabaseHandle['engine'];
  /** Runs `work` in one transaction: all of its writes land, or none do. */
  transaction<T>(work: (repos: Repositories) => Promise<T>): Promise<T>;
}

export function createStore(handle: DatabaseHandle): Store {
  return {
    ...createRepositories(handle.db),
    engine: handle.engine,
    // SQLite commits on the event-loop thread: concurrent transactions share a commit there.
    // PostgreSQL commits on its own connections, in parallel.
    transaction:
      handle.engine === 'sqlite'
        ? groupCommit(handle.db, createRepositories)
        : (work) => handle.db.transaction().execute((trx) => work(createRepositories(trx))),
  };
}
