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

const factories = {
  organisations: organisationsRepository,
  users: usersRepository,
  memberships: membershipsRepository,
  groups: groupsRepository,
  domains: domainsRepository,
  apiKeys: apiKeysRepository,
  sessions: sessionsRepository,
  loginTraces: loginTracesRepository,
  auditEvents: auditEventsRepository,
  settings: settingsRepository,
  samlConfigurations: samlConfigurationsRepository,
  oidcConfigurations: oidcConfigurationsRepository,
  spKeys: spKeysRepository,
  pendingLogins: pendingLoginsRepository,
  replayCache: replayCacheRepository,
  externalIdentities: externalIdentitiesRepository,
  identityLinkRequests: identityLinkRequestsRepository,
  loginThrottles: loginThrottlesRepository,
  passwordTokens: passwordTokensRepository,
  loginPolicies: loginPoliciesRepository,
  ownSessions: ownSessionsRepository,
};
type RepositoryName = keyof typeof factories;
const REPOSITORY_NAMES = Object.keys(factories) as RepositoryName[];

export type Repositories = { [K in RepositoryName]: ReturnType<(typeof factories)[K]> };

/** Every repository over `db`, built now (the store's own, built once). */
export function createRepositories(db: Kysely<Database>): Repositories {
  return Object.fromEntries(REPOSITORY_NAMES.map((name) => [name, factories[name](db)])) as Repositories;
}

const DB = Symbol('db');
const BUILT = Symbol('built');

/**
 * The repositories of one transaction, each built on first use: a sign-in's transaction uses
 * six of the twenty-one, and building all of them (their closures and precompiled queries)
 * cost a measurable part of every login.
 */
class TransactionRepositories {
  [DB]: Kysely<Database>;
  [BUILT]: Partial<Repositories> = {};
  constructor(db: Kysely<Database>) {
    this[DB] = db;
  }
}
for (const name of REPOSITORY_NAMES) {
  Object.defineProperty(TransactionRepositories.prototype, name, {
    get(this: TransactionRepositories) {
      const built = this[BUILT] as Record<RepositoryName, unknown>;
      built[name] ??= factories[name](this[DB]);
      return built[name];
    },
  });
}

function transactionRepositories(db: Kysely<Database>): Repositories {
  return new TransactionRepositories(db) as unknown as Repositories;
}

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
        ? groupCommit(handle.db, transactionRepositories)
        : (work) => handle.db.transaction().execute((trx) => work(transactionRepositories(trx))),
  };
}
