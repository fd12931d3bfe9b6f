/**
 * LiteLLM's SSO environment variables become connections at start (issue #4, "Environment
 * bootstrap"), on both engines: every variable lands in the stored connection, a restart with
 * the same environment writes nothing, a changed one updates, and an admin's connection of
 * the same name is never taken over.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ALGORITHMS } from '../../src/oidc/id-token.ts';
import {
  type BootstrapLogger,
  bootstrapFromEnvironment,
  ENVIRONMENT_ACTOR,
} from '../../src/sso/oidc-bootstrap.ts';
import { EnvironmentConfigError } from '../../src/sso/oidc-env-connections.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import { testBox, testConfig } from '../support/app.ts';
import { ENGINES, openTestDatabase } from '../support/databases.ts';

const box = testBox();

function recorder(): BootstrapLogger & { lines: { level: string; message: string }[] } {
  const lines: { level: string; message: string }[] = [];
  const at = (level: string) => (_d: Record<string, unknown>, message: string) =>
    void lines.push({ level, message });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

describe.each(ENGINES)('environment bootstrap of OIDC connections (%s)', (engine) => {
  let store: Store;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const db = await openTestDatabase(engine);
    store = createStore(db.handle);
    close = db.close;
  });
  afterAll(() => close());

  /** Each test uses its own default organisation, so that tests do not see each other's rows. */
  let n = 0;
  async function run(env: Record<string, string>, log = recorder()) {
    const config = testConfig(env);
    const outcomes = await bootstrapFromEnvironment({ config, store, box, log });
    return { outcomes, log };
  }
  const org = () => `org-${engine}-${++n}`;
  async function auditCount(action: string): Promise<number> {
    const orgs = await store.organisations.list({ limit: 1000 });
    let count = 0;
    for (const o of orgs.items) {
      const page = await store.auditEvents.list(o.id, { limit: 1000 });
      count += page.items.filter((e) => e.action === action && e.actor === ENVIRONMENT_ACTOR).length;
    }
    return count;
  }

  it('writes nothing, not even the default organisation, when no LiteLLM variable is set', async () => {
    const slug = org();
    const { outcomes } = await run({ SSO_DEFAULT_ORGANISATION: slug });
    expect(outcomes).toEqual([]);
    expect(await store.organisations.getBySlug(slug)).toBeUndefined();
  });

  it('creates the google connection in a new default organisation, secret sealed, audited', async () => {
    const slug = org();
    const before = await auditCount('oidc_configuration.create');
    const { outcomes } = await run({
      SSO_DEFAULT_ORGANISATION: slug,
      GOOGLE_CLIENT_ID: 'google-client',
      GOOGLE_CLIENT_SECRET: 'google-secret',
    });
    expect(outcomes).toEqual([{ name: 'google', action: 'created' }]);
    const organisation = await store.organisations.getBySlug(slug);
    expect(organisation).toBeDefined();
    const c = (await store.oidcConfigurations.getByName('google'))!;
    expect(c).toMatchObject({
      organisationId: organisation!.id,
      provider: 'google',
      enabled: true,
      clientId: 'google-client',
      clientAuth: 'client_secret_basic',
      scope: 'openid email profile',
      usePkce: true,
      fetchUserinfo: false,
      includeClientId: false,
      idTokenAlgorithms: [...DEFAULT_ALGORITHMS],
      defaultRole: 'member_viewer',
      allowedEmailDomains: [],
      userDefaults: {},
      claims: {},
      source: 'env',
    });
    expect(c.clientSecretSealed).not.toContain('google-secret');
    expect(box.open(c.clientSecretSealed!)).toBe('google-secret');
    expect(await auditCount('oidc_configuration.create')).toBe(before + 1);
    const orgEvents = await store.auditEvents.list(organisation!.id, { limit: 10 });
    expect(orgEvents.items.map((e) => e.action).sort()).toEqual([
      'oidc_configuration.create',
      'organisation.create',
    ]);
    await store.oidcConfigurations.delete(c.id);
  });

  it('changes nothing on a restart with the same environment (same updatedAt, no audit event)', async () => {
    const env = { SSO_DEFAULT_ORGANISATION: org(), GITHUB_CLIENT_ID: 'gh', GITHUB_CLIENT_SECRET: 's3cret' };
    await run(env);
    const first = (await store.oidcConfigurations.getByName('github'))!;
    const updates = await auditCount('oidc_configuration.update');
    const { outcomes, log } = await run(env);
    expect(outcomes).toEqual([{ name: 'github', action: 'unchanged' }]);
    expect(await store.oidcConfigurations.getByName('github')).toEqual(first);
    expect(await auditCount('oidc_configuration.update')).toBe(updates);
    expect(log.lines.filter((l) => l.level !== 'warn')).toEqual([]);
    await store.oidcConfigurations.delete(first.id);
  });

  it('updates the connection when the environment changes, and records which fields changed', async () => {
    const slug = org();
    await run({ SSO_DEFAULT_ORGANISATION: slug, GITHUB_CLIENT_ID: 'gh', GITHUB_CLIENT_SECRET: 'one' });
    const first = (await store.oidcConfigurations.getByName('github'))!;
    const { outcomes } = await run({
      SSO_DEFAULT_ORGANISATION: slug,
      GITHUB_CLIENT_ID: 'gh-2',
      GITHUB_CLIENT_SECRET: 'two',
      ALLOWED_EMAIL_DOMAINS: 'acme.test',
    });
    expect(outcomes).toEqual([{ name: 'github', action: 'updated' }]);
    const second = (await store.oidcConfigurations.getByName('github'))!;
    expect(second.id).toBe(first.id);
    expect(second.clientId).toBe('gh-2');
    expect(second.allowedEmailDomains).toEqual(['acme.test']);
    expect(box.open(second.clientSecretSealed!)).toBe('two');
    const events = await store.auditEvents.list(first.organisationId, { limit: 10 });
    const update = events.items.find((e) => e.action === 'oidc_configuration.update')!;
    expect(update.actor).toBe(ENVIRONMENT_ACTOR);
    expect(update.detail).toMatchObject({
      name: 'github',
      fields: ['clientId', 'allowedEmailDomains'],
      secretChanged: true,
    });
    expect(JSON.stringify(update.detail)).not.toContain('two');
    // A removed secret turns the connection into a public client.
    await run({
      SSO_DEFAULT_ORGANISATION: slug,
      GITHUB_CLIENT_ID: 'gh-2',
      ALLOWED_EMAIL_DOMAINS: 'acme.test',
    });
    expect(await store.oidcConfigurations.getByName('github')).toMatchObject({
      clientAuth: 'none',
      clientSecretSealed: null,
    });
    await store.oidcConfigurations.delete(first.id);
  });

  it('never overwrites a connection of that name created through the admin API in another organisation', async () => {
    const other = await store.organisations.create({ name: 'Other', slug: org() });
    const owned = await store.oidcConfigurations.create(other.id, {
      ...(await baseInput()),
      name: 'google',
      clientId: 'the-admins-client',
      source: 'api',
    });
    const { outcomes, log } = await run({ SSO_DEFAULT_ORGANISATION: org(), GOOGLE_CLIENT_ID: 'env-client' });
    expect(outcomes).toEqual([
      { name: 'google', action: 'skipped', reason: expect.stringContaining('admin API') },
    ]);
    expect(log.lines).toContainEqual({
      level: 'error',
      message: expect.stringContaining('"google" not written'),
    });
    expect(await store.oidcConfigurations.getByName('google')).toEqual(owned);
    await store.oidcConfigurations.delete(owned.id);
  });

  it('leaves an environment connection that an admin disabled disabled across restarts', async () => {
    const env = { SSO_DEFAULT_ORGANISATION: org(), GOOGLE_CLIENT_ID: 'g' };
    await run(env);
    const c = (await store.oidcConfigurations.getByName('google'))!;
    await store.oidcConfigurations.update(c.id, { enabled: false, frontendUrl: 'https://app.example.com' });
    const { outcomes } = await run(env);
    expect(outcomes).toEqual([{ name: 'google', action: 'unchanged' }]);
    expect(await store.oidcConfigurations.getByName('google')).toMatchObject({
      enabled: false,
      frontendUrl: 'https://app.example.com',
    });
    await store.oidcConfigurations.delete(c.id);
  });

  it('maps every Microsoft variable: tenant, endpoint overrides (userinfo turns its call on), Graph, claim names', async () => {
    await run({
      SSO_DEFAULT_ORGANISATION: org(),
      MICROSOFT_CLIENT_ID: 'ms-client',
      MICROSOFT_CLIENT_SECRET: 'ms-secret',
      MICROSOFT_TENANT: 'contoso.onmicrosoft.com',
      MICROSOFT_AUTHORIZATION_ENDPOINT: 'https://login.example.com/authorize',
      MICROSOFT_TOKEN_ENDPOINT: 'https://login.example.com/token',
      MICROSOFT_USERINFO_ENDPOINT: 'https://graph.example.com/oidc/userinfo',
      MICROSOFT_GRAPH_ENDPOINT: 'https://graph.microsoft.us/v1.0',
      MICROSOFT_USER_EMAIL_ATTRIBUTE: 'upn',
      MICROSOFT_USER_DISPLAY_NAME_ATTRIBUTE: 'displayName',
      MICROSOFT_USER_ID_ATTRIBUTE: 'oid',
      MICROSOFT_USER_FIRST_NAME_ATTRIBUTE: 'givenName',
      MICROSOFT_USER_LAST_NAME_ATTRIBUTE: 'surname',
      SSO_DEFAULT_ROLE: 'internal_user',
      SSO_USER_DEFAULT_ATTRIBUTES: '{"models":["gpt-4o"],"max_budget":10,"budget_duration":"30d"}',
      ALLOWED_EMAIL_DOMAINS: 'Contoso.com, fabrikam.com',
    });
    const c = (await store.oidcConfigurations.getByName('microsoft'))!;
    expect(c).toMatchObject({
      provider: 'microsoft',
      clientId: 'ms-client',
      clientAuth: 'client_secret_basic',
      tenant: 'contoso.onmicrosoft.com',
      issuer: null,
      authorizationEndpoint: 'https://login.example.com/authorize',
      tokenEndpoint: 'https://login.example.com/token',
      userinfoEndpoint: 'https://graph.example.com/oidc/userinfo',
      fetchUserinfo: true,
      graphEndpoint: 'https://graph.microsoft.us/v1.0',
      claims: {
        email: 'upn',
        displayName: 'displayName',
        id: 'oid',
        firstName: 'givenName',
        lastName: 'surname',
      },
      // LiteLLM's role name resolved to ours.
      defaultRole: 'member',
      userDefaults: { models: ['gpt-4o'], max_budget: 10, budget_duration: '30d' },
      allowedEmailDomains: ['contoso.com', 'fabrikam.com'],
      source: 'env',
    });
    expect(box.open(c.clientSecretSealed!)).toBe('ms-secret');
    await store.oidcConfigurations.delete(c.id);
  });

  it('maps every generic variable with GENERIC_ISSUER to an OpenID Connect connection', async () => {
    const { log } = await run({
      SSO_DEFAULT_ORGANISATION: org(),
      GENERIC_CLIENT_ID: 'gen-client',
      GENERIC_CLIENT_SECRET: 'gen-secret',
      GENERIC_ISSUER: 'https://idp.example.com/realms/acme',
      GENERIC_AUTHORIZATION_ENDPOINT: 'https://idp.example.com/auth',
      GENERIC_TOKEN_ENDPOINT: 'https://idp.example.com/token',
      GENERIC_USERINFO_ENDPOINT: 'https://idp.example.com/userinfo',
      GENERIC_SCOPE: 'openid email profile groups',
      GENERIC_CLIENT_USE_PKCE: 'false',
      GENERIC_INCLUDE_CLIENT_ID: 'true',
      GENERIC_SSO_HEADERS: 'X-Tenant=acme, X-Api-Key=abc=def',
      GENERIC_USER_ID_ATTRIBUTE: 'preferred_username',
      GENERIC_USER_EMAIL_ATTRIBUTE: 'mail',
      GENERIC_USER_DISPLAY_NAME_ATTRIBUTE: 'cn',
      GENERIC_USER_FIRST_NAME_ATTRIBUTE: 'first',
      GENERIC_USER_LAST_NAME_ATTRIBUTE: 'last',
      GENERIC_USER_ROLE_ATTRIBUTE: 'realm_access.roles',
      GENERIC_USER_PROVIDER_ATTRIBUTE: 'idp',
      GENERIC_USER_EXTRA_ATTRIBUTES: 'department, cost_center,idp',
      GENERIC_CLIENT_STATE: 'fixed-state',
    });
    const c = (await store.oidcConfigurations.getByName('generic'))!;
    expect(c).toMatchObject({
      provider: 'generic-oidc',
      issuer: 'https://idp.example.com/realms/acme',
      authorizationEndpoint: 'https://idp.example.com/auth',
      tokenEndpoint: 'https://idp.example.com/token',
      userinfoEndpoint: 'https://idp.example.com/userinfo',
      fetchUserinfo: true,
      clientId: 'gen-client',
      clientAuth: 'client_secret_basic',
      scope: 'openid email profile groups',
      usePkce: false,
      includeClientId: true,
      extraHeaders: { 'X-Tenant': 'acme', 'X-Api-Key': 'abc=def' },
      claims: {
        id: 'preferred_username',
        email: 'mail',
        displayName: 'cn',
        firstName: 'first',
        lastName: 'last',
        role: 'realm_access.roles',
        extra: ['idp', 'department', 'cost_center'],
      },
      source: 'env',
    });
    expect(log.lines).toContainEqual({
      level: 'warn',
      message: expect.stringContaining('GENERIC_CLIENT_STATE is ignored'),
    });
    await store.oidcConfigurations.delete(c.id);
  });

  it('makes a generic provider without GENERIC_ISSUER an OAuth2 connection from its three endpoints', async () => {
    await run({
      SSO_DEFAULT_ORGANISATION: org(),
      GENERIC_CLIENT_ID: 'oauth-client',
      GENERIC_AUTHORIZATION_ENDPOINT: 'https://auth.example.com/authorize',
      GENERIC_TOKEN_ENDPOINT: 'https://auth.example.com/token',
      GENERIC_USERINFO_ENDPOINT: 'https://auth.example.com/me',
    });
    const c = (await store.oidcConfigurations.getByName('generic'))!;
    expect(c).toMatchObject({
      provider: 'generic-oauth2',
      issuer: null,
      fetchUserinfo: true,
      clientAuth: 'none',
      clientSecretSealed: null,
      scope: 'openid email profile',
      usePkce: true,
      includeClientId: false,
      extraHeaders: {},
      claims: {},
    });
    await store.oidcConfigurations.delete(c.id);
  });

  it('skips, with an error logged, a generic provider with neither issuer nor all three endpoints', async () => {
    const { outcomes, log } = await run({
      SSO_DEFAULT_ORGANISATION: org(),
      GENERIC_CLIENT_ID: 'incomplete',
      GENERIC_TOKEN_ENDPOINT: 'https://auth.example.com/token',
      GOOGLE_CLIENT_ID: 'g',
    });
    expect(outcomes).toEqual([
      { name: 'generic', action: 'skipped', reason: expect.stringContaining('GENERIC_ISSUER') },
      { name: 'google', action: 'created' },
    ]);
    expect(log.lines.some((l) => l.level === 'error' && l.message.includes('"generic"'))).toBe(true);
    expect(await store.oidcConfigurations.getByName('generic')).toBeUndefined();
    await store.oidcConfigurations.delete((await store.oidcConfigurations.getByName('google'))!.id);
  });

  it('skips an endpoint on a private address unless DRAWBRIDGE_ALLOW_PRIVATE_IDP_URLS is set', async () => {
    const env = {
      SSO_DEFAULT_ORGANISATION: org(),
      GENERIC_CLIENT_ID: 'local',
      GENERIC_ISSUER: 'http://127.0.0.1:9000',
    };
    const { outcomes } = await run(env);
    expect(outcomes).toEqual([
      {
        name: 'generic',
        action: 'skipped',
        reason: expect.stringContaining('DRAWBRIDGE_ALLOW_PRIVATE_IDP_URLS'),
      },
    ]);
    const allowed = await run({ ...env, DRAWBRIDGE_ALLOW_PRIVATE_IDP_URLS: 'true' });
    expect(allowed.outcomes).toEqual([{ name: 'generic', action: 'created' }]);
    await store.oidcConfigurations.delete((await store.oidcConfigurations.getByName('generic'))!.id);
  });

  it('stops the start when SSO_DEFAULT_ROLE is not a role', async () => {
    await expect(
      run({ SSO_DEFAULT_ORGANISATION: org(), GOOGLE_CLIENT_ID: 'g', SSO_DEFAULT_ROLE: 'wizard' }),
    ).rejects.toThrow(EnvironmentConfigError);
    expect(await store.oidcConfigurations.getByName('google')).toBeUndefined();
  });

  it('creates the organisations of the trusted-header and custom sign-in handlers', async () => {
    const header = org();
    const custom = org();
    await run({
      TRUSTED_HEADER_ENABLED: 'true',
      TRUSTED_PROXY_CIDRS: '10.0.0.0/8',
      TRUSTED_HEADER_ORGANISATION: header,
      CUSTOM_SIGN_IN_HANDLER: 'examples/custom-sign-in-handler.ts',
      CUSTOM_SIGN_IN_ORGANISATION: custom,
    });
    expect(await store.organisations.getBySlug(header)).toBeDefined();
    expect(await store.organisations.getBySlug(custom)).toBeDefined();
  });

  it('converges when two instances start at once with the same environment', async () => {
    const env = { SSO_DEFAULT_ORGANISATION: org(), GOOGLE_CLIENT_ID: 'together' };
    const [a, b] = await Promise.all([run(env), run(env)]);
    const actions = [...a.outcomes, ...b.outcomes].map((o) => o.action).sort();
    expect(actions).toEqual(['created', 'unchanged']);
    await store.oidcConfigurations.delete((await store.oidcConfigurations.getByName('google'))!.id);
  });
});

async function baseInput() {
  const { connectionsFromEnvironment } = await import('../../src/sso/oidc-env-connections.ts');
  const { connections } = connectionsFromEnvironment(testConfig({ GOOGLE_CLIENT_ID: 'x' }));
  return { ...connections[0]!.input, clientSecretSealed: null };
}
