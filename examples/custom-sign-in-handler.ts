/**
 * An example CustomSignInHandler (docs/oidc.md, "Custom sign-in handlers"): a corporate
 * gateway signs each request's identity into one header, and this handler believes it only
 * when the HMAC-SHA256 signature under a shared secret checks out and it has not expired.
 *
 * Use it with:
 *   CUSTOM_SIGN_IN_HANDLER=examples/custom-sign-in-handler.ts
 *   GATEWAY_HMAC_SECRET=<at least 32 random characters, shared with the gateway>
 *
 * Header format (`x-gateway-identity`): base64url(JSON payload) "." base64url(HMAC-SHA256 of
 * the first part). Payload: { sub, email, name?, groups?, exp } with exp in Unix seconds.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { CustomSignInHandler, ExternalIdentityInput } from '../src/sso/custom-sign-in.ts';

const HEADER = 'x-gateway-identity';
/** A signed identity is accepted for at most this long after it was issued. */
const MAX_LIFETIME_SECONDS = 300;

/**
 * Thrown to refuse a bad request: Drawbridge answers 400 `custom_sign_in_rejected` and keeps
 * the reason in the login trace. Recognised by its name, so this file imports nothing at run time.
 */
class CustomSignInRejection extends Error {
  override name = 'CustomSignInRejection';
}

interface GatewayIdentity {
  sub: string;
  email: string;
  name?: string;
  groups?: string[];
  exp: number;
}

function secret(): Buffer {
  const value = process.env.GATEWAY_HMAC_SECRET ?? '';
  // A short or missing secret is the operator's mistake: a broken handler (502), not a refusal.
  if (value.length < 32) throw new Error('GATEWAY_HMAC_SECRET must be set to at least 32 characters');
  return Buffer.from(value, 'utf8');
}

function mac(payload: string, key: Buffer): Buffer {
  return createHmac('sha256', key).update(payload).digest();
}

/** What the gateway does (and what the tests use): sign an identity into the header value. */
export function signGatewayIdentity(identity: GatewayIdentity, key: string): string {
  const payload = Buffer.from(JSON.stringify(identity), 'utf8').toString('base64url');
  return `${payload}.${mac(payload, Buffer.from(key, 'utf8')).toString('base64url')}`;
}

const handler: CustomSignInHandler = (request): ExternalIdentityInput | null => {
  const header = request.headers[HEADER];
  // No header: not a gateway request; decline and let the person choose another way in.
  if (header === undefined) return null;
  if (typeof header !== 'string') throw new CustomSignInRejection(`${HEADER} was sent more than once`);
  const [payload = '', signature = '', ...rest] = header.split('.');
  if (rest.length > 0 || payload === '' || signature === '')
    throw new CustomSignInRejection(`${HEADER} is malformed`);
  const expected = mac(payload, secret());
  const given = Buffer.from(signature, 'base64url');
  // Constant-time comparison: the time taken must not reveal how much of a forgery matched.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new CustomSignInRejection(`${HEADER} has a bad signature`);
  }
  let identity: GatewayIdentity;
  try {
    identity = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as GatewayIdentity;
  } catch {
    throw new CustomSignInRejection(`${HEADER} does not hold JSON`);
  }
  const now = Math.floor(Date.now() / 1000);
  if (typeof identity.exp !== 'number' || identity.exp <= now || identity.exp > now + MAX_LIFETIME_SECONDS) {
    throw new CustomSignInRejection(`${HEADER} has expired or lives too long`);
  }
  const [firstName = null, ...lastNames] = identity.name ? identity.name.split(' ') : [];
  return {
    subject: identity.sub,
    email: identity.email,
    // The gateway is the company's own sign-in: it vouches for the address it signed.
    emailVerified: true,
    firstName,
    lastName: lastNames.length > 0 ? lastNames.join(' ') : null,
    displayName: identity.name ?? null,
    groups: identity.groups ?? null,
  };
};

export default handler;
