/**
 * Environment bootstrap at start (LiteLLM compatibility): the connections LiteLLM's SSO
 * variables describe are created or updated in the default organisation, so a LiteLLM
 * deployment's environment works with no API call. Also creates the organisations of the
 * trusted-header and custom sign-in handlers. Idempotent: a restart with the same
 * environment writes nothing; several instances starting at once converge.
 */
import type { Config } from '../config/schema.ts';
import type { SecretBox } from '../credentials/secret-box.ts';
import { StoreError } from '../store/errors.ts';
import type { OidcConfiguration, OidcConfigurationInput } from '../store/repositories/oidc-configurations.ts';
import type { Organisation } from '../store/repositories/organisations.ts';
import type { Store } from '../store/store.ts';
import {
  connectionsFromEnvironment,
  ENV_MANAGED_FIELDS,
  type EnvConnection,
  environmentDefaultRole,
} from './oidc-env-connections.ts';

/** The audit events' actor for what the environment changed. */
export const ENVIRONMENT_ACTOR = 'system:environment';

export interface BootstrapLogger {
  info(detail: Record<string, unknown>, message: string): void;
  warn(detail: Record<string, unknown>, message: string): void;
  error(detail: Record<string, unknown>, message: string): void;
}

export interface BootstrapDeps {
  config: Config;
  store: Store;
  box: SecretBox;
  log: BootstrapLogger;
}

export interface BootstrapOutcome {
  name: string;
  action: 'created' | 'updated' | 'unchanged' | 'skipped';
  reason?: string;
}

/** JSON with sorted keys, so that a stored object equals the same object built again. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

/** Whether the stored secret is the environment's (sealed values differ each time: compare opened). */
function sameSecret(box: SecretBox, sealed: string | null, clear: string | null): boolean {
  if (sealed === null || clear === null) return sealed === clear;
  try {
    return box.open(sealed) === clear;
  } catch {
    // Sealed under another DRAWBRIDGE_SECRET: reseal under the current one.
    return false;
  }
}

/** The changed managed fields of `current` (none: nothing to write). */
function changes(box: SecretBox, current: OidcConfiguration, wanted: EnvConnection) {
  const patch: Partial<OidcConfigurationInput> = {};
  const fields: string[] = [];
  for (const key of ENV_MANAGED_FIELDS) {
    if (canonical(current[key]) !== canonical(wanted.input[key])) {
      (patch as Record<string, unknown>)[key] = wanted.input[key];
      fields.push(key);
    }
  }
  const secretChanged = !sameSecret(box, current.clientSecretSealed, wanted.clientSecret);
  if (secretChanged)
    patch.clientSecretSealed = wanted.clientSecret === null ? null : box.seal(wanted.clientSecret);
  return { patch, fields, secretChanged };
}

/** Retries once on a uniqueness conflict: another instance created the same row meanwhile. */
async function onceMoreOnConflict<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof StoreError && err.code === 'conflict') return work();
    throw err;
  }
}

/** The organisation with this slug, created (and audited) when missing. */
export function ensureOrganisation(store: Store, slug: string): Promise<Organisation> {
  return onceMoreOnConflict(() =>
    store.transaction(async (tx) => {
      const existing = await tx.organisations.getBySlug(slug);
      if (existing) return existing;
      const created = await tx.organisations.create({ name: slug, slug });
      await tx.auditEvents.record({
        organisationId: created.id,
        actor: ENVIRONMENT_ACTOR,
        action: 'organisation.create',
        targetType: 'organisation',
        targetId: created.id,
        detail: { slug, reason: 'environment bootstrap' },
      });
      return created;
    }),
  );
}

async function apply(
  deps: BootstrapDeps,
  organisation: Organisation,
  wanted: EnvConnection,
): Promise<BootstrapOutcome> {
  const { store, box } = deps;
  const name = wanted.input.name;
  return onceMoreOnConflict(() =>
    store.transaction(async (tx): Promise<BootstrapOutcome> => {
      const current = await tx.oidcConfigurations.getByName(name);
      if (!current) {
        const sealed = wanted.clientSecret === null ? null : box.seal(wanted.clientSecret);
        const created = await tx.oidcConfigurations.create(organisation.id, {
          ...wanted.input,
          clientSecretSealed: sealed,
        });
        await tx.auditEvents.record({
          organisationId: organisation.id,
          actor: ENVIRONMENT_ACTOR,
          action: 'oidc_configuration.create',
          targetType: 'oidc_configuration',
          targetId: created.id,
          detail: { name, provider: created.provider, source: 'env' },
        });
        return { name, action: 'created' };
      }
      // An admin's connection is theirs: the environment never takes it over.
      if (current.source !== 'env') {
        return {
          name,
          action: 'skipped',
          reason: `a connection named "${name}" was created through the admin API`,
        };
      }
      // Moving it would cut every person's link to it (links are keyed by connection id).
      if (current.organisationId !== organisation.id) {
        return {
          name,
          action: 'skipped',
          reason: `the environment's "${name}" connection belongs to another organisation than SSO_DEFAULT_ORGANISATION (${organisation.slug}); delete it through the API to recreate it there`,
        };
      }
      const { patch, fields, secretChanged } = changes(box, current, wanted);
      if (fields.length === 0 && !secretChanged) return { name, action: 'unchanged' };
      await tx.oidcConfigurations.update(current.id, patch);
      await tx.auditEvents.record({
        organisationId: organisation.id,
        actor: ENVIRONMENT_ACTOR,
        action: 'oidc_configuration.update',
        targetType: 'oidc_configuration',
        targetId: current.id,
        detail: { name, fields, secretChanged, source: 'env' },
      });
      return { name, action: 'updated' };
    }),
  );
}

/**
 * Runs at start, before the server listens. Connections that cannot be written are logged
 * as errors and skipped (the rest still start); a default role that is not a role throws
 * EnvironmentConfigError, which stops the start.
 */
export async function bootstrapFromEnvironment(deps: BootstrapDeps): Promise<BootstrapOutcome[]> {
  const { config, store, log } = deps;
  if (config.GENERIC_CLIENT_STATE) {
    log.warn(
      { variable: 'GENERIC_CLIENT_STATE' },
      'GENERIC_CLIENT_STATE is ignored: Drawbridge sends a fresh random state bound to the browser at every login (a fixed state would allow login CSRF)',
    );
  }
  const { connections, problems } = connectionsFromEnvironment(config);
  const outcomes: BootstrapOutcome[] = problems.map((p) => ({
    name: p.name,
    action: 'skipped',
    reason: p.message,
  }));
  for (const p of problems)
    log.error({ connection: p.name }, `environment connection "${p.name}" not written: ${p.message}`);

  const customSlugs = [
    ...(config.TRUSTED_HEADER_ENABLED
      ? [config.TRUSTED_HEADER_ORGANISATION ?? config.SSO_DEFAULT_ORGANISATION]
      : []),
    ...(config.CUSTOM_SIGN_IN_HANDLER
      ? [config.CUSTOM_SIGN_IN_ORGANISATION ?? config.SSO_DEFAULT_ORGANISATION]
      : []),
  ];
  // Custom sign-in needs the default role too: a wrong SSO_DEFAULT_ROLE stops the start here.
  if (customSlugs.length > 0) environmentDefaultRole(config);
  for (const slug of new Set(customSlugs)) await ensureOrganisation(store, slug);
  if (connections.length === 0) return outcomes;

  const organisation = await ensureOrganisation(store, config.SSO_DEFAULT_ORGANISATION);
  for (const c of connections) {
    const outcome = await apply(deps, organisation, c);
    outcomes.push(outcome);
    const detail = { connection: outcome.name, organisation: organisation.slug };
    if (outcome.action === 'skipped') {
      log.error(detail, `environment connection "${outcome.name}" not written: ${outcome.reason}`);
    } else if (outcome.action !== 'unchanged') {
      log.info(
        { ...detail, action: outcome.action },
        `environment connection "${outcome.name}" ${outcome.action}`,
      );
    }
    if (
      c.clientSecret === null &&
      c.input.provider !== 'generic-oidc' &&
      c.input.provider !== 'generic-oauth2'
    ) {
      log.warn(
        detail,
        `environment connection "${outcome.name}" has no client secret; ${c.input.provider} requires one`,
      );
    }
  }
  return outcomes;
}
