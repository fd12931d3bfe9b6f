/**
 * ID token checks (OpenID Connect Core 1.0 §3.1.3.7), done on every token whatever channel
 * it came from: openid-client skips the signature for tokens from the token endpoint (Core
 * §3.1.3.7 (6) allows it over TLS); we never do. Signatures are verified with node:crypto on
 * keys that jose selected from the provider's JWKS: the same checks as jose's jwtVerify at
 * several times its speed (WebCrypto's async verify dominates jose's cost).
 */
import { constants, type KeyObject, verify } from 'node:crypto';
import { OidcError } from './errors.ts';

/** Algorithms an ID token may use; HMAC and `none` are never among them. */
export const SUPPORTED_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;
export const DEFAULT_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;

export interface JoseHeader {
  alg: string;
  kid?: string;
  crit?: unknown;
  [k: string]: unknown;
}

export interface ParsedJwt {
  header: JoseHeader;
  claims: Record<string, unknown>;
  signingInput: Buffer;
  signature: Buffer;
}

export interface IdTokenExpectations {
  /** The issuer; Microsoft's multi-tenant template `{tenantid}` is filled from the `tid` claim. */
  issuer: string;
  clientId: string;
  /** The nonce sent in the authorization request. */
  nonce: string;
  algorithms: readonly string[];
  clockSkewSeconds: number;
  /** How old `iat` may be: a code is redeemed within minutes of the login. */
  maxAgeSeconds: number;
  /** With a `{tenantid}` issuer: which tenants may sign in (absent: any). */
  tenantAllowed?: (tid: string) => boolean;
}

const B64URL = /^[A-Za-z0-9_-]*$/;

function decodeJson(part: string, what: string): Record<string, unknown> {
  if (!B64URL.test(part))
    throw new OidcError('oidc_token_malformed', `The ID token ${what} is not base64url`);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new OidcError('oidc_token_malformed', `The ID token ${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new OidcError('oidc_token_malformed', `The ID token ${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

/** JWS Compact Serialization (RFC 7515 §7.1): exactly three base64url parts. */
export function parseJwt(token: string): ParsedJwt {
  if (token.length > 64 * 1024) throw new OidcError('oidc_token_malformed', 'The ID token is too large');
  const parts = token.split('.');
  if (parts.length !== 3) throw new OidcError('oidc_token_malformed', 'The ID token is not a signed JWT');
  const [h, p, s] = parts as [string, string, string];
  const header = decodeJson(h, 'header');
  if (typeof header.alg !== 'string') throw new OidcError('oidc_token_malformed', 'The ID token has no alg');
  if (!B64URL.test(s)) throw new OidcError('oidc_token_malformed', 'The ID token signature is not base64url');
  return {
    header: header as JoseHeader,
    claims: decodeJson(p, 'payload'),
    signingInput: Buffer.from(`${h}.${p}`),
    signature: Buffer.from(s, 'base64url'),
  };
}

/** RFC 8725 §3.1: the algorithm comes from our allowlist, never from the token alone; `crit` (RFC 7515 §4.1.11) names nothing we understand. */
export function checkAlgorithm(header: JoseHeader, allowed: readonly string[]): void {
  if (!allowed.includes(header.alg) || !(SUPPORTED_ALGORITHMS as readonly string[]).includes(header.alg)) {
    throw new OidcError('oidc_algorithm_not_allowed', `ID token algorithm ${header.alg} is not allowed`);
  }
  if (header.crit !== undefined)
    throw new OidcError('oidc_token_malformed', 'The ID token names critical header parameters');
}

const CURVES: Record<string, string> = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' };

/** RFC 7518 §3: the key must be of the algorithm's type (no key confusion); RSA keys ≥ 2048 bits (§3.3). */
function keyFits(alg: string, key: KeyObject): boolean {
  const type = key.asymmetricKeyType;
  if (alg.startsWith('RS') || alg.startsWith('PS'))
    return (type === 'rsa' || type === 'rsa-pss') && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048;
  if (alg.startsWith('ES')) return type === 'ec' && key.asymmetricKeyDetails?.namedCurve === CURVES[alg];
  return alg === 'EdDSA' && (type === 'ed25519' || type === 'ed448');
}

/** RFC 7515 §5.2 step 8 with the RFC 7518 §3 algorithm parameters. */
export function verifySignature(jwt: ParsedJwt, key: KeyObject): void {
  const { alg } = jwt.header;
  if (!keyFits(alg, key))
    throw new OidcError('oidc_signature_invalid', `The provider's key does not fit algorithm ${alg}`);
  const hash = alg === 'EdDSA' ? null : `sha${alg.slice(2)}`;
  let ok: boolean;
  try {
    if (alg.startsWith('PS')) {
      ok = verify(
        hash,
        jwt.signingInput,
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 },
        jwt.signature,
      );
    } else if (alg.startsWith('ES')) {
      ok = verify(hash, jwt.signingInput, { key, dsaEncoding: 'ieee-p1363' }, jwt.signature);
    } else {
      ok = verify(hash, jwt.signingInput, key, jwt.signature);
    }
  } catch {
    ok = false;
  }
  if (!ok) throw new OidcError('oidc_signature_invalid', 'The ID token signature does not verify');
}

/** Core §3.1.3.7 (2), with Entra's `{tenantid}` issuer template resolved from the token's own `tid`. */
export function checkIssuer(claims: Record<string, unknown>, e: IdTokenExpectations): void {
  let expected = e.issuer;
  if (expected.includes('{tenantid}')) {
    const tid = claims.tid;
    if (typeof tid !== 'string' || !/^[0-9a-f-]{36}$/i.test(tid))
      throw new OidcError('oidc_issuer_mismatch', 'A multi-tenant ID token must carry a tenant id (tid)');
    if (e.tenantAllowed && !e.tenantAllowed(tid.toLowerCase()))
      throw new OidcError('oidc_tenant_not_allowed', `Tenant ${tid} may not sign in with this configuration`);
    expected = expected.replace('{tenantid}', tid);
  }
  if (claims.iss !== expected)
    throw new OidcError('oidc_issuer_mismatch', `ID token issuer ${String(claims.iss)} is not ${expected}`);
}

/** Core §3.1.3.7 (3)-(5): our client among the audiences; with several, `azp` must name us. */
export function checkAudience(claims: Record<string, unknown>, clientId: string): void {
  const aud = claims.aud;
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  if (!audiences.includes(clientId))
    throw new OidcError('oidc_audience_mismatch', 'The ID token is not meant for this client');
  // An untrusted extra audience could replay the token elsewhere; accept it only when the
  // token was issued to us (azp), as Core §3.1.3.7 (4)-(5) describe.
  if (claims.azp !== undefined && claims.azp !== clientId)
    throw new OidcError('oidc_azp_mismatch', 'The ID token was issued to another party (azp)');
  if (audiences.length > 1 && claims.azp !== clientId)
    throw new OidcError(
      'oidc_azp_mismatch',
      'An ID token with several audiences must name this client in azp',
    );
}

function numericDate(claims: Record<string, unknown>, name: string, required: boolean): number | undefined {
  const v = claims[name];
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new OidcError('oidc_claims_malformed', `The ID token claim ${name} must be a NumericDate`);
  return v;
}

/** Core §3.1.3.7 (9)-(10) and RFC 7519 §4.1.5: exp in the future, iat neither future nor stale, nbf passed. */
export function checkTimes(claims: Record<string, unknown>, e: IdTokenExpectations, nowMs: number): void {
  const now = nowMs / 1000;
  const exp = numericDate(claims, 'exp', true)!;
  const iat = numericDate(claims, 'iat', true)!;
  const nbf = numericDate(claims, 'nbf', false);
  if (now >= exp + e.clockSkewSeconds) throw new OidcError('oidc_token_expired', 'The ID token has expired');
  if (iat > now + e.clockSkewSeconds)
    throw new OidcError('oidc_iat_in_future', 'The ID token was issued in the future (iat)');
  if (iat < now - e.maxAgeSeconds - e.clockSkewSeconds)
    throw new OidcError('oidc_iat_too_old', 'The ID token was issued too long ago (iat)');
  if (nbf !== undefined && nbf > now + e.clockSkewSeconds)
    throw new OidcError('oidc_token_not_yet_valid', 'The ID token is not valid yet (nbf)');
}

/** Core §3.1.3.7 (11): the nonce we sent, echoed; and §2: a non-empty `sub`. */
export function checkNonceAndSubject(claims: Record<string, unknown>, nonce: string): void {
  if (claims.nonce !== nonce)
    throw new OidcError('oidc_nonce_mismatch', 'The ID token does not carry the nonce of this login');
  if (typeof claims.sub !== 'string' || claims.sub.length === 0 || claims.sub.length > 255)
    throw new OidcError('oidc_subject_missing', 'The ID token has no subject (sub)');
}

/** Every claim rule, in order: cheapest first. */
export function checkIdTokenClaims(
  claims: Record<string, unknown>,
  e: IdTokenExpectations,
  nowMs: number,
): void {
  checkIssuer(claims, e);
  checkAudience(claims, e.clientId);
  checkTimes(claims, e, nowMs);
  checkNonceAndSubject(claims, e.nonce);
}

export type KeyResolver = (header: JoseHeader) => Promise<KeyObject>;

/**
 * The whole check: parse, algorithm allowlist, claims (cheap, so a forged token costs little),
 * then the key from the provider's JWKS and the signature.
 */
export async function verifyIdToken(
  token: string,
  e: IdTokenExpectations,
  resolveKey: KeyResolver,
  nowMs: number,
): Promise<Record<string, unknown>> {
  const jwt = parseJwt(token);
  checkAlgorithm(jwt.header, e.algorithms);
  checkIdTokenClaims(jwt.claims, e, nowMs);
  verifySignature(jwt, await resolveKey(jwt.header));
  return jwt.claims;
}
