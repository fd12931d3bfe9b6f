/**
 * The OIDC relying-party conformance and attack cases of ../shared/security/attacks.md §2, each
 * played against the real provider with the one misbehaviour injected between it and
 * Drawbridge: every case is refused with its code, and no session is created.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { makeSigningKey } from '../interop/oidc/provider.ts';
import {
  CLIENT_ID,
  createWorld,
  type LoginResult,
  tamperIdToken,
  type World,
  type WorldOptions,
} from '../interop/oidc/world.ts';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

function refused(result: LoginResult, code: string) {
  expect(result.code, result.body).toBe(code);
  expect(result.status).toBeGreaterThanOrEqual(400);
  expect(result.status).toBeLessThan(500);
  expect(result.sessionCookie).toBeUndefined();
}

/** A world whose provider's ID token is rewritten by `mutate` before Drawbridge sees it. */
async function tampered(mutate: Parameters<typeof tamperIdToken>[1], options: WorldOptions = {}) {
  let keys = () => world!.op.keys;
  world = await createWorld({
    ...options,
    intercept: (url, init, network) => tamperIdToken(() => keys(), mutate)(url, init, network),
  });
  keys = () => world!.op.keys;
  return world;
}

const now = () => Math.floor(Date.now() / 1000);

describe('ID token rules (OIDC Core §3.1.3.7; attacks.md §2)', () => {
  it('refuses a nonce that is not the one sent (rp-nonce-invalid, §3.1.3.7 (11))', async () => {
    const w = await tampered((_h, c) => {
      c.nonce = `x${String(c.nonce)}`;
      return undefined;
    });
    refused(await w.login('alice'), 'oidc_nonce_mismatch');
  });

  it('refuses an ID token without nonce when one was sent (O-ID-7)', async () => {
    const w = await tampered((_h, c) => {
      delete c.nonce;
      return undefined;
    });
    refused(await w.login('alice'), 'oidc_nonce_mismatch');
  });

  it('refuses another audience (rp-id_token-aud, §3.1.3.7 (3))', async () => {
    const w = await tampered((_h, c) => {
      c.aud = 'someone-else';
      return undefined;
    });
    refused(await w.login('alice'), 'oidc_audience_mismatch');
  });

  it('refuses an extra untrusted audience without azp (O-ID-5, §3.1.3.7 (4))', async () => {
    const w = await tampered((_h, c) => {
      c.aud = [CLIENT_ID, 'other'];
      delete c.azp;
      return undefined;
    });
    refused(await w.login('alice'), 'oidc_audience_mismatch');
  });

  it('refuses an azp naming another party (O-ID-6, §3.1.3.7 (5))', async () => {
    const w = await tampered((_h, c) => {
      c.azp = 'other';
      return undefined;
    });
    refused(await w.login('alice'), 'oidc_azp_mismatch');
  });

  it('refuses another issuer (rp-id_token-issuer-mismatch, §3.1.3.7 (2))', async () => {
    const w = await tampered((_h, c) => {
      c.iss = 'https://op-a.test/evil';
      return undefined;
    });
    refused(await w.login('alice'), 'oidc_issuer_mismatch');
  });

  it('refuses an expired ID token (O-ID-1, §3.1.3.7 (9))', async () => {
    const w = await tampered((_h, c) => {
      c.exp = now() - 600;
      return undefined;
    });
    refused(await w.login('alice'), 'oidc_token_expired');
  });

  it('refuses an iat in the future, which openid-client lets through (O-ID-4, §3.1.3.7 (10))', async () => {
    const w = await tampered((_h, c) => {
      c.iat = now() + 3600;
      c.exp = now() + 7200;
      return undefined;
    });
    refused(await w.login('alice'), 'oidc_iat_in_future');
  });

  it('refuses an iat a week in the past (O-ID-3, §3.1.3.7 (10))', async () => {
    const w = await tampered((_h, c) => {
      c.iat = now() - 7 * 86_400;
      return undefined;
    });
    refused(await w.login('alice'), 'oidc_iat_too_old');
  });

  it('refuses an ID token without sub (rp-id_token-sub)', async () => {
    const w = await tampered((_h, c) => {
      delete c.sub;
      return undefined;
    });
    const result = await w.login('alice');
    expect(result.sessionCookie).toBeUndefined();
    expect(result.code).toBe('oidc_subject_missing');
  });

  it('refuses an ID token without iat (rp-id_token-iat)', async () => {
    const w = await tampered((_h, c) => {
      delete c.iat;
      return undefined;
    });
    const result = await w.login('alice');
    expect(result.sessionCookie).toBeUndefined();
    expect(result.code).toBe('oidc_claims_malformed');
  });

  it('refuses a broken signature from the token endpoint, which openid-client does not check (rp-id_token-bad-sig-rs256)', async () => {
    const w = await tampered(() => ({ sign: 'broken' }));
    refused(await w.login('alice'), 'oidc_signature_invalid');
  });

  it('refuses alg none (rp-id_token-sig-none, O-ALG-1)', async () => {
    const w = await tampered(() => ({ sign: 'none' }));
    refused(await w.login('alice'), 'oidc_algorithm_not_allowed');
  });

  it('refuses HS256 keyed with the client secret (O-ALG-2)', async () => {
    const w = await tampered((h) => {
      h.alg = 'HS256';
      return {
        sign: {
          kty: 'oct',
          k: Buffer.from('drawbridge-rp-secret-0123456789abcdef0123').toString('base64url'),
        },
      };
    });
    refused(await w.login('alice'), 'oidc_algorithm_not_allowed');
  });

  it('refuses a token signed by a key that is not in the provider JWKS, even with a known kid (O-ID-9)', async () => {
    const attacker = await makeSigningKey('RS256', 'attacker');
    const w = await tampered(() => ({ sign: attacker }));
    refused(await w.login('alice'), 'oidc_signature_invalid');
  });

  it('refuses a kid the provider does not publish (unknown key after a refetch)', async () => {
    const attacker = await makeSigningKey('RS256', 'nobody-knows');
    const w = await tampered((h) => {
      h.kid = 'nobody-knows';
      return { sign: attacker };
    });
    refused(await w.login('alice'), 'oidc_key_not_found');
  });

  it('accepts a token without kid when the JWKS has a single key (rp-id_token-kid-absent-single-jwks)', async () => {
    const w = await tampered((h) => {
      delete h.kid;
      return undefined;
    });
    const result = await w.login('alice');
    expect(result.status, result.body).toBe(303);
  });

  it('refuses a token without kid when the JWKS has several keys of that kind (rp-id_token-kid-absent-multiple-jwks)', async () => {
    const second = await makeSigningKey('RS256', 'key-second');
    const w = await tampered((h) => {
      delete h.kid;
      return undefined;
    });
    await w.restartOp([...w.op.keys, second]);
    refused(await w.login('alice'), 'oidc_key_not_found');
  });

  it('refuses an algorithm outside the configured allowlist', async () => {
    world = await createWorld({ algs: ['ES256'], configuration: { idTokenAlgorithms: ['RS256'] } });
    refused(await world.login('alice'), 'oidc_algorithm_not_allowed');
  });
});
