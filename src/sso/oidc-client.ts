/**
 * openid-client configurations per connection: discovery (OIDC) or explicit endpoints (OAuth2,
 * or overrides), the client authentication, our policy-bound fetch. Discovered metadata is kept
 * for a while; when a refresh fails, the last good one stays in use (attacks.md O-DISC-2).
 */
import { createPrivateKey } from 'node:crypto';
import type * as Client from 'openid-client';
import { PROVIDER_PRESETS } from '../oidc/providers.ts';
import type { OidcConfiguration } from '../store/repositories/oidc-configurations.ts';
import { SsoFlowError } from './errors.ts';
import { OutboundError, type OutboundFetch } from './outbound-fetch.ts';

type OpenIdClient = typeof Client;
let loaded: Promise<OpenIdClient> | undefined;

/** openid-client loads on first use: an instance without OIDC connections never carries it. */
export function openIdClient(): Promise<OpenIdClient> {
  loaded ??= import('openid-client');
  return loaded;
}

export interface ClientSecrets {
  clientSecret: string | null;
  privateKeyPem: string | null;
}

export interface ClientOptions {
  allowInsecure: boolean;
  timeoutSeconds: number;
  discoveryMaxAgeMs: number;
}

/** The issuer URL to discover from: the connection's, else its preset's (Google, Microsoft). */
export function issuerOf(c: OidcConfiguration): string | null {
  return c.issuer ?? PROVIDER_PRESETS[c.provider].issuer?.(c.tenant) ?? null;
}

export function isOAuth2(c: OidcConfiguration): boolean {
  return PROVIDER_PRESETS[c.provider].kind === 'oauth2';
}

async function clientAuthFor(
  client: OpenIdClient,
  c: OidcConfiguration,
  s: ClientSecrets,
): Promise<Client.ClientAuth> {
  switch (c.clientAuth) {
    case 'client_secret_basic':
      return client.ClientSecretBasic(s.clientSecret ?? '');
    case 'client_secret_post':
      return client.ClientSecretPost(s.clientSecret ?? '');
    case 'private_key_jwt': {
      const key = createPrivateKey(s.privateKeyPem ?? '');
      const alg = key.asymmetricKeyType === 'ec' ? 'ES256' : 'RS256';
      const cryptoKey = key.toCryptoKey(
        alg === 'ES256'
          ? { name: 'ECDSA', namedCurve: 'P-256' }
          : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
        false,
        ['sign'],
      );
      return client.PrivateKeyJwt(cryptoKey as unknown as Client.CryptoKey);
    }
    default:
      return client.None();
  }
}

/** Turns a fetch failure inside openid-client into our code (the cause chain carries it). */
export function outboundCause(err: unknown): OutboundError | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof OutboundError) return e;
  }
  return undefined;
}

export function outboundRefusal(err: OutboundError): SsoFlowError {
  return err.code === 'idp_url_not_allowed'
    ? new SsoFlowError('oidc_provider_url_not_allowed', err.message)
    : new SsoFlowError('oidc_provider_unreachable', err.message);
}

async function build(
  c: OidcConfiguration,
  secrets: ClientSecrets,
  fetch: OutboundFetch,
  options: ClientOptions,
): Promise<Client.Configuration> {
  const client = await openIdClient();
  const auth = await clientAuthFor(client, c, secrets);
  const metadata = { client_secret: secrets.clientSecret ?? undefined };
  const customFetch = fetch as unknown as Client.CustomFetch;
  const overrides = {
    ...(c.authorizationEndpoint ? { authorization_endpoint: c.authorizationEndpoint } : {}),
    ...(c.tokenEndpoint ? { token_endpoint: c.tokenEndpoint } : {}),
    ...(c.userinfoEndpoint ? { userinfo_endpoint: c.userinfoEndpoint } : {}),
    ...(c.jwksUri ? { jwks_uri: c.jwksUri } : {}),
  };
  let config: Client.Configuration;
  const issuer = issuerOf(c);
  if (!isOAuth2(c) && issuer) {
    try {
      config = await client.discovery(new URL(issuer), c.clientId, metadata, auth, {
        [client.customFetch]: customFetch,
        timeout: options.timeoutSeconds,
        ...(options.allowInsecure ? { execute: [client.allowInsecureRequests] } : {}),
      });
    } catch (err) {
      const cause = outboundCause(err);
      if (cause) throw outboundRefusal(cause);
      throw new SsoFlowError(
        'oidc_discovery_failed',
        `Discovery at ${issuer} failed: ${err instanceof Error ? err.message : 'unknown error'}`,
      );
    }
    if (Object.keys(overrides).length > 0) {
      // Endpoint overrides (LiteLLM's MICROSOFT_*_ENDPOINT) keep the discovered issuer and keys.
      const { supportsPKCE: _helper, ...discovered } = config.serverMetadata();
      config = new client.Configuration({ ...discovered, ...overrides }, c.clientId, metadata, auth);
    }
  } else {
    const preset = PROVIDER_PRESETS[c.provider].endpoints;
    const authorization = c.authorizationEndpoint ?? preset?.authorization;
    const token = c.tokenEndpoint ?? preset?.token;
    if (!authorization || !token) {
      throw new SsoFlowError(
        'oidc_discovery_failed',
        'An OAuth2 connection needs authorization and token endpoints',
      );
    }
    config = new client.Configuration(
      {
        // OAuth2 has no issuer identifier; the authorization server's origin stands in for it.
        issuer: new URL(authorization).origin,
        authorization_endpoint: authorization,
        token_endpoint: token,
        ...((c.userinfoEndpoint ?? preset?.userinfo)
          ? { userinfo_endpoint: c.userinfoEndpoint ?? preset?.userinfo }
          : {}),
      },
      c.clientId,
      metadata,
      auth,
    );
  }
  config[client.customFetch] = customFetch;
  config.timeout = options.timeoutSeconds;
  if (options.allowInsecure) client.allowInsecureRequests(config);
  return config;
}

const metadataCache = new WeakMap<Client.Configuration, Readonly<Client.ServerMetadata>>();

/**
 * The configuration's server metadata, read once per configuration object: openid-client's
 * `serverMetadata()` returns a fresh deep copy on every call (a structured clone plus helper
 * methods), which showed up on every callback's profile. A configuration's metadata never
 * changes (a refresh builds a new configuration), so the copy is kept, frozen against edits.
 */
export function serverMetadataOf(config: Client.Configuration): Readonly<Client.ServerMetadata> {
  let metadata = metadataCache.get(config);
  if (!metadata) {
    metadata = Object.freeze(config.serverMetadata());
    metadataCache.set(config, metadata);
  }
  return metadata;
}

/** Configurations per connection version (id + updatedAt): an edit takes effect at once. */
export function clientConfigurationCache(options: ClientOptions) {
  const entries = new Map<
    string,
    { at: number; config: Promise<Client.Configuration>; good?: Client.Configuration }
  >();
  return async (
    c: OidcConfiguration,
    secrets: () => ClientSecrets,
    fetch: OutboundFetch,
    now = Date.now(),
  ): Promise<Client.Configuration> => {
    const key = `${c.id}:${c.updatedAt}`;
    const entry = entries.get(key);
    if (entry && now - entry.at < options.discoveryMaxAgeMs) return entry.config;
    const loading = build(c, secrets(), fetch, options);
    const next: { at: number; config: Promise<Client.Configuration>; good?: Client.Configuration } = {
      at: now,
      config: loading,
      ...(entry?.good ? { good: entry.good } : {}),
    };
    entries.set(key, next);
    if (entries.size > 1000) entries.clear();
    try {
      next.good = await loading;
      return next.good;
    } catch (err) {
      if (entry?.good) {
        // Keep serving the last good metadata; try again after a short pause, not on every login.
        next.config = Promise.resolve(entry.good);
        next.at = now - options.discoveryMaxAgeMs + 60_000;
        return entry.good;
      }
      entries.delete(key);
      throw err;
    }
  };
}
