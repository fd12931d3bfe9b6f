/** The pure ID token rules (OIDC Core §3.1.3.7, RFC 7515/7518/8725), one behaviour per test. */
import { sign as cryptoSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { OidcError } from '../../src/oidc/errors.ts';
import {
  checkAlgorithm,
  checkAudience,
  checkIssuer,
  checkTimes,
  type IdTokenExpectations,
  parseJwt,
  verifyIdToken,
  verifySignature,
} from '../../src/oidc/id-token.ts';
import { microsoftTenantAllowed } from '../../src/oidc/providers.ts';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const nowS = NOW / 1000;
const E: IdTokenExpectations = {
  issuer: 'https://op.test',
  clientId: 'client-1',
  nonce: 'n-1',
  algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
  clockSkewSeconds: 60,
  maxAgeSeconds: 3600,
};
const base = {
  iss: 'https://op.test',
  aud: 'client-1',
  sub: 'alice',
  nonce: 'n-1',
  iat: nowS - 10,
  exp: nowS + 300,
};

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (err) {
    if (err instanceof OidcError) return err.code;
    throw err;
  }
  return undefined;
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');
const smallRsa = generateKeyPairSync('rsa', { modulusLength: 1024 });

async function sign(alg: string, key: KeyObject, claims: Record<string, unknown> = base) {
  return new SignJWT(claims).setProtectedHeader({ alg, kid: 'k1' }).sign(key);
}

describe('signature (RFC 7515 §5.2, RFC 7518 §3)', () => {
  for (const [alg, pair] of [
    ['RS256', rsa],
    ['PS256', rsa],
    ['ES256', ec],
    ['EdDSA', ed],
  ] as const) {
    it(`verifies ${alg} with the provider key and refuses one changed byte`, async () => {
      const token = await sign(alg, pair.privateKey);
      expect(await verifyIdToken(token, E, async () => pair.publicKey, NOW)).toMatchObject({ sub: 'alice' });
      const jwt = parseJwt(token);
      jwt.signature[5] = (jwt.signature[5] ?? 0) ^ 0xff;
      expect(code(() => verifySignature(jwt, pair.publicKey))).toBe('oidc_signature_invalid');
    });
  }

  it('refuses a key of another type than the algorithm names (no key confusion, RFC 8725 §2.1)', async () => {
    const token = await sign('ES256', ec.privateKey);
    expect(code(() => verifySignature(parseJwt(token), rsa.publicKey))).toBe('oidc_signature_invalid');
  });

  it('refuses RSA keys shorter than 2048 bits (RFC 7518 §3.3)', async () => {
    const input = `${Buffer.from(JSON.stringify({ alg: 'RS256' })).toString('base64url')}.${Buffer.from(JSON.stringify(base)).toString('base64url')}`;
    const token = `${input}.${cryptoSign('sha256', Buffer.from(input), smallRsa.privateKey).toString('base64url')}`;
    expect(code(() => verifySignature(parseJwt(token), smallRsa.publicKey))).toBe('oidc_signature_invalid');
  });
});

describe('algorithm allowlist (RFC 8725 §3.1)', () => {
  it.each(['none', 'HS256', 'RS1', 'ES256K', ''])('refuses alg %j', (alg) => {
    expect(code(() => checkAlgorithm({ alg }, E.algorithms))).toBe('oidc_algorithm_not_allowed');
  });
  it('refuses a supported algorithm the configuration did not allow', () => {
    expect(code(() => checkAlgorithm({ alg: 'RS512' }, ['RS256']))).toBe('oidc_algorithm_not_allowed');
  });
  it('refuses critical header parameters it does not understand (RFC 7515 §4.1.11)', () => {
    expect(code(() => checkAlgorithm({ alg: 'RS256', crit: ['exp'] }, E.algorithms))).toBe(
      'oidc_token_malformed',
    );
  });
});

describe('claims (OIDC Core §3.1.3.7)', () => {
  it('(2) requires the exact issuer', () => {
    expect(code(() => checkIssuer({ ...base, iss: 'https://op.test/' }, E))).toBe('oidc_issuer_mismatch');
  });
  it("(2) fills Entra's {tenantid} template from tid and applies the tenant restriction", () => {
    const tid = '11111111-2222-3333-4444-555555555555';
    const e = {
      ...E,
      issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0',
      tenantAllowed: microsoftTenantAllowed('organizations'),
    };
    expect(
      code(() => checkIssuer({ iss: `https://login.microsoftonline.com/${tid}/v2.0`, tid }, e)),
    ).toBeUndefined();
    expect(code(() => checkIssuer({ iss: 'https://login.microsoftonline.com/{tenantid}/v2.0' }, e))).toBe(
      'oidc_issuer_mismatch',
    );
    const consumer = '9188040d-6c67-4c5b-b112-36a304b66dad';
    expect(
      code(() =>
        checkIssuer({ iss: `https://login.microsoftonline.com/${consumer}/v2.0`, tid: consumer }, e),
      ),
    ).toBe('oidc_tenant_not_allowed');
    const single = { ...e, tenantAllowed: microsoftTenantAllowed(tid) };
    const other = '99999999-2222-3333-4444-555555555555';
    expect(
      code(() => checkIssuer({ iss: `https://login.microsoftonline.com/${other}/v2.0`, tid: other }, single)),
    ).toBe('oidc_tenant_not_allowed');
  });
  it('(3)-(5) requires our client among the audiences and azp when there are several', () => {
    expect(code(() => checkAudience({ aud: 'other' }, 'client-1'))).toBe('oidc_audience_mismatch');
    expect(code(() => checkAudience({ aud: ['client-1', 'other'] }, 'client-1'))).toBe('oidc_azp_mismatch');
    expect(
      code(() => checkAudience({ aud: ['client-1', 'other'], azp: 'client-1' }, 'client-1')),
    ).toBeUndefined();
    expect(code(() => checkAudience({ aud: 'client-1', azp: 'other' }, 'client-1'))).toBe(
      'oidc_azp_mismatch',
    );
  });
  it('(9) refuses an expired token beyond the skew, accepts within it', () => {
    expect(code(() => checkTimes({ ...base, exp: nowS - 61 }, E, NOW))).toBe('oidc_token_expired');
    expect(code(() => checkTimes({ ...base, exp: nowS - 30 }, E, NOW))).toBeUndefined();
  });
  it('(10) refuses iat in the future and iat older than the maximum age', () => {
    expect(code(() => checkTimes({ ...base, iat: nowS + 120 }, E, NOW))).toBe('oidc_iat_in_future');
    expect(code(() => checkTimes({ ...base, iat: nowS - 3600 - 61 }, E, NOW))).toBe('oidc_iat_too_old');
  });
  it('refuses nbf in the future (RFC 7519 §4.1.5) and non-numeric dates', () => {
    expect(code(() => checkTimes({ ...base, nbf: nowS + 120 }, E, NOW))).toBe('oidc_token_not_yet_valid');
    expect(code(() => checkTimes({ ...base, exp: String(nowS + 300) }, E, NOW))).toBe(
      'oidc_claims_malformed',
    );
  });
});

describe('parsing', () => {
  it('refuses anything but three base64url parts holding JSON objects, never throwing anything else', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        try {
          parseJwt(s);
        } catch (err) {
          expect(err).toBeInstanceOf(OidcError);
        }
      }),
    );
    expect(code(() => parseJwt('a.b'))).toBe('oidc_token_malformed');
    expect(code(() => parseJwt(`${Buffer.from('[]').toString('base64url')}.e30.`))).toBe(
      'oidc_token_malformed',
    );
  });
});
