/**
 * Signing keys and ID tokens for the OIDC benchmark, made with node:crypto directly (signing is
 * never timed): one key per algorithm, its public JWK for the stub provider's JWKS, and compact
 * JWS tokens (RFC 7515) with the claims a provider like Okta or Entra puts in an ID token.
 */
import { constants, generateKeyPairSync, type KeyObject, sign, type webcrypto } from 'node:crypto';

export const ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;
export type Alg = (typeof ALGS)[number];

export interface SigningKey {
  alg: Alg;
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Public JWK with kid, alg and use. */
  jwk: webcrypto.JsonWebKey & { kid: string; alg: string; use: string };
}

export function makeKey(alg: Alg): SigningKey {
  const pair =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      : alg === 'EdDSA'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = `bench-${alg.toLowerCase()}`;
  return {
    alg,
    kid,
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    jwk: { ...pair.publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' },
  };
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

export function hashOf(alg: Alg): string | null {
  return alg === 'EdDSA' ? null : 'sha256';
}

/** The key argument node:crypto's sign/verify need for `alg` (RFC 7518 §3.3–3.5, RFC 8037). */
export function keyOptions<K extends KeyObject>(alg: Alg, key: K) {
  if (alg === 'PS256') return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
  if (alg === 'ES256') return { key, dsaEncoding: 'ieee-p1363' as const };
  return key;
}

export function signJwt(key: SigningKey, claims: Record<string, unknown>): string {
  const input = `${b64({ alg: key.alg, kid: key.kid, typ: 'JWT' })}.${b64(claims)}`;
  const signature = sign(hashOf(key.alg), Buffer.from(input), keyOptions(key.alg, key.privateKey));
  return `${input}.${signature.toString('base64url')}`;
}

/** The parts a raw verify needs, split beforehand. */
export function splitJwt(token: string): { signingInput: Buffer; signature: Buffer } {
  const last = token.lastIndexOf('.');
  return {
    signingInput: Buffer.from(token.slice(0, last)),
    signature: Buffer.from(token.slice(last + 1), 'base64url'),
  };
}

export interface Person {
  sub: string;
  email: string;
  given_name: string;
  family_name: string;
  name: string;
  groups: string[];
}

/** ID token claims (OIDC Core §2) as a provider sends them after a code exchange. */
export function idTokenClaims(
  issuer: string,
  clientId: string,
  nonce: string,
  person: Person,
  nowSeconds: number,
): Record<string, unknown> {
  return {
    iss: issuer,
    sub: person.sub,
    aud: clientId,
    exp: nowSeconds + 600,
    iat: nowSeconds,
    auth_time: nowSeconds,
    nonce,
    email: person.email,
    email_verified: true,
    given_name: person.given_name,
    family_name: person.family_name,
    name: person.name,
    groups: person.groups,
  };
}
