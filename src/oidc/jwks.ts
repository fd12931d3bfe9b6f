/**
 * The provider's signing keys: jose fetches, caches and selects them (by kid, kty, alg and use,
 * refetching on an unknown kid at most once per cooldown, so a flood of forged kids cannot make
 * us hammer the provider); we keep a node:crypto KeyObject beside each selected key so that the
 * signature check is one synchronous verify. One key set per JWKS URL: keys of one provider
 * never verify another's tokens.
 */
import { KeyObject, type webcrypto } from 'node:crypto';
import type { FetchImplementation } from 'jose';
import { OidcError } from './errors.ts';
import type { JoseHeader, KeyResolver } from './id-token.ts';

export interface JwksOptions {
  /** Seconds between refetches triggered by unknown kids (jose's cooldown). */
  cooldownSeconds: number;
  /** Seconds a fetched key set is used before it is fetched again. */
  maxAgeSeconds: number;
  timeoutMs: number;
  fetch: FetchImplementation;
}

const keyObjects = new WeakMap<object, KeyObject>();

function asKeyObject(key: webcrypto.CryptoKey | Uint8Array): KeyObject {
  if (key instanceof Uint8Array)
    throw new OidcError('oidc_key_not_found', 'The provider published a symmetric key');
  let k = keyObjects.get(key);
  if (!k) {
    k = KeyObject.from(key);
    keyObjects.set(key, k);
  }
  return k;
}

type Jose = typeof import('jose');
let jose: Promise<Jose> | undefined;

/** jose loads on the first OIDC login: an instance that never serves OIDC does not carry it (about 15 MiB). */
function loadJose(): Promise<Jose> {
  jose ??= import('jose');
  return jose;
}

/** A resolver for one JWKS URL. */
export function remoteKeyResolver(jwksUri: string, options: JwksOptions): KeyResolver {
  let jwks: ReturnType<Jose['createRemoteJWKSet']> | undefined;
  return async (header: JoseHeader) => {
    const { createRemoteJWKSet, customFetch, errors } = await loadJose();
    jwks ??= createRemoteJWKSet(new URL(jwksUri), {
      cooldownDuration: options.cooldownSeconds * 1000,
      cacheMaxAge: options.maxAgeSeconds * 1000,
      timeoutDuration: options.timeoutMs,
      [customFetch]: options.fetch,
    });
    try {
      return asKeyObject(
        await jwks({ alg: header.alg, ...(header.kid !== undefined ? { kid: header.kid } : {}) }),
      );
    } catch (err) {
      if (err instanceof OidcError) throw err;
      if (err instanceof errors.JWKSNoMatchingKey)
        throw new OidcError('oidc_key_not_found', 'No key of the provider matches the ID token (kid/alg)');
      if (err instanceof errors.JWKSMultipleMatchingKeys)
        throw new OidcError(
          'oidc_key_not_found',
          'The ID token names no kid and the provider has several keys',
        );
      // The cause stays attached: the caller names a URL its address policy refused as such.
      throw new OidcError('oidc_jwks_unavailable', "The provider's keys could not be fetched", {
        cause: err,
      });
    }
  };
}

/** Resolvers cached per JWKS URL for the life of the process (keys refresh inside jose). */
export function keyResolverCache(options: JwksOptions) {
  const resolvers = new Map<string, KeyResolver>();
  return (jwksUri: string): KeyResolver => {
    let r = resolvers.get(jwksUri);
    if (!r) {
      r = remoteKeyResolver(jwksUri, options);
      if (resolvers.size > 1000) resolvers.clear();
      resolvers.set(jwksUri, r);
    }
    return r;
  };
}
