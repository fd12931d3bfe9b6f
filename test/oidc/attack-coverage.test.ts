/**
 * The OIDC relying-party cases of ../shared/security/attacks.md §2 about the ID token, the
 * authorization response and PKCE that no other test sent (case ids in each name), played
 * against the real provider (oidc-provider on loopback) with one misbehaviour injected between
 * it and Drawbridge: every refusal has its code, a 4xx, no session and no user; every "must
 * accept" case signs in. Token endpoint, client authentication, userinfo and discovery cases:
 * attack-coverage-exchange.test.ts.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { authorizeAtProvider } from '../interop/oidc/browser.ts';
import { makeSigningKey, startOp } from '../interop/oidc/provider.ts';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  createWorld,
  PEOPLE,
  tamperIdToken,
  type World,
  type WorldOptions,
} from '../interop/oidc/world.ts';
import { createOrganisation } from '../support/actors.ts';
import { accepted, refused } from './login-verdicts.ts';

let world: World | undefined;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await world?.close();
  world = undefined;
  for (const close of closers.splice(0)) await close();
});

/** A world whose provider's ID token is rewritten by `mutate` (and re-signed with its own key unless told). */
async function tampered(mutate: Parameters<typeof tamperIdToken>[1], options: WorldOptions = {}) {
  world = await createWorld({
    ...options,
    intercept: (url, init, network) => tamperIdToken(() => world!.op.keys, mutate)(url, init, network),
  });
  return world;
}

function bodyOf(init: RequestInit): URLSearchParams {
  return new URLSearchParams(init.body as URLSearchParams | string);
}

describe('ID token claims the provider must send (OIDC Core §2, §3.1.3.7; OIDF RP tests)', () => {
  for (const [claim, id] of [
    ['iss', 'rp-id_token-issuer-mismatch (missing iss)'],
    ['aud', 'rp-id_token-aud (oidcc-client-test-invalid-missing-aud)'],
    ['exp', 'O-ID-2 invalid-missing-exp'],
  ] as const) {
    it(`OIDC Core §2: an ID token without ${claim} is refused (oidc_claims_malformed) and starts no session — ${id}`, async () => {
      const w = await tampered((_h, c) => {
        delete c[claim];
        return undefined;
      });
      await refused(w, await w.login('alice'), 'oidc_claims_malformed');
    });
  }

  it('OIDC Core §3.1.3.7 (3): an aud array naming only this client is accepted — valid-aud-as-array', async () => {
    const w = await tampered((_h, c) => {
      c.aud = [CLIENT_ID];
      return undefined;
    });
    await accepted(w, await w.login('alice'));
  });

  it('OIDC Core §3.1.3.7 (4)-(5): several audiences are accepted when azp names this client', async () => {
    const w = await tampered((_h, c) => {
      c.aud = [CLIENT_ID, 'https://api.acme.test'];
      c.azp = CLIENT_ID;
      return undefined;
    });
    await accepted(w, await w.login('alice'));
  });
});

describe('ID token signatures and keys (OIDC Core §3.1.3.7 (6)-(8), RFC 8725 §2.1, §3.1)', () => {
  it('OIDC Core §3.1.3.7 (6): an ES256 ID token with one bit of its signature flipped is refused (oidc_signature_invalid) — rp-id_token-bad-sig-es256', async () => {
    const w = await tampered(() => ({ sign: 'broken' }), {
      algs: ['ES256'],
      configuration: { idTokenAlgorithms: ['ES256'] },
    });
    await refused(w, await w.login('alice'), 'oidc_signature_invalid');
  });

  it("RFC 8725 §2.1, §3.1: an HS256 ID token keyed with the provider's own RSA public key (key confusion) is refused (oidc_algorithm_not_allowed) — O-ALG-3", async () => {
    const w = await tampered((h) => {
      h.alg = 'HS256';
      const pem = createPublicKey({ key: world!.op.keys[0] as never, format: 'jwk' })
        .export({ type: 'spki', format: 'pem' })
        .toString();
      return { sign: { kty: 'oct', k: Buffer.from(pem).toString('base64url') } };
    });
    await refused(w, await w.login('alice'), 'oidc_algorithm_not_allowed');
  });

  it("OIDC Core §3.1.3.7 (6): an ID token signed by another configured provider's key under this provider's kid is refused (oidc_signature_invalid), though that key set is cached — O-ID-9", async () => {
    const kid = 'shared-kid';
    const evilKey = await makeSigningKey('RS256', kid);
    let tamperOn = false;
    const own = await makeSigningKey('RS256', kid);
    world = await createWorld({
      intercept: (url, init, network) =>
        tamperOn && url.startsWith(world!.op.url)
          ? tamperIdToken(
              () => world!.op.keys,
              () => ({ sign: evilKey }),
            )(url, init, network)
          : network(url, init),
    });
    const w = world;
    await w.restartOp([own]);
    // OP_EVIL: another organisation's provider, publishing evilKey under the same kid.
    const evilName = `${w.name}-evil`;
    const evilCallback = `http://drawbridge.test/api/v1/auth/oidc/${evilName}/callback/`;
    const evil = await startOp({
      keys: [evilKey],
      clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [evilCallback] }],
      people: structuredClone(PEOPLE),
    });
    closers.push(() => evil.close());
    const globex = await createOrganisation(w.t, 'Globex');
    const created = await w.t.app.inject({
      method: 'POST',
      url: `/api/v1/organisations/${globex.id}/oidc-configurations`,
      headers: w.t.admin,
      payload: {
        name: evilName,
        provider: 'generic-oidc',
        issuer: evil.issuer,
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    // A genuine login at OP_EVIL: Drawbridge fetches and caches OP_EVIL's key set.
    const start = await w.t.app.inject({ method: 'GET', url: `/api/v1/auth/oidc/${evilName}/login/` });
    const binding = start.cookies.find((c) => c.name.startsWith('drawbridge_oidc_'))!;
    const back = await authorizeAtProvider(start.headers.location as string, 'bob', evilCallback);
    await accepted(w, await w.finishLogin(back, `${binding.name}=${binding.value}`), 'bob@acme.test');

    tamperOn = true;
    await refused(w, await w.login('alice'), 'oidc_signature_invalid');
    tamperOn = false;
    await accepted(w, await w.login('alice'));
  });
});

describe('authorization response (RFC 6749 §4.1.2, OAuth 2.0 Multiple Response Types §5)', () => {
  /** A world that counts the token requests Drawbridge makes. */
  async function counting() {
    const seen = { token: 0 };
    world = await createWorld({
      intercept: (url, init, network) => {
        if (url.endsWith('/token')) seen.token += 1;
        return network(url, init);
      },
    });
    return { w: world, seen };
  }

  it('OAuth 2.0 Multiple Response Types §5: an implicit-style callback carrying id_token and access_token instead of code is refused (oidc_callback_malformed) and starts no session — rp-response_type-id_token, rp-response_type-id_token+token', async () => {
    const { w, seen } = await counting();
    const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const result = await w.login('alice', {
      mutateCallback: (u) => {
        u.searchParams.delete('code');
        u.searchParams.set('id_token', `${enc({ alg: 'none' })}.${enc({ sub: 'alice' })}.`);
        u.searchParams.set('access_token', 'at');
        u.searchParams.set('token_type', 'Bearer');
      },
    });
    await refused(w, result, 'oidc_callback_malformed');
    expect(seen.token).toBe(0);
  });

  it('OAuth 2.0 Multiple Response Types §5: a hybrid callback carrying code and id_token is refused before the code is redeemed (oidc_callback_malformed) — rp-response_type-code+id_token', async () => {
    const { w, seen } = await counting();
    const result = await w.login('alice', {
      mutateCallback: (u) => u.searchParams.set('id_token', 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln'),
    });
    await refused(w, result, 'oidc_callback_malformed');
    expect(seen.token).toBe(0);
  });

  it("OAuth 2.0 Multiple Response Types §5: an access_token slipped into a code callback (code token) is never used: userinfo gets the token endpoint's access token — rp-response_type-code+token", async () => {
    const bearer: string[] = [];
    world = await createWorld({
      configuration: { fetchUserinfo: true },
      intercept: async (url, init, network) => {
        const res = await network(url, init);
        if (new URL(url).pathname.endsWith('/me'))
          bearer.push(new Headers(init.headers).get('authorization') ?? '');
        if (!url.endsWith('/token')) return res;
        const body = (await res.json()) as Record<string, unknown>;
        bearer.push(`Bearer ${String(body.access_token)}`);
        return Response.json(body, { status: res.status });
      },
    });
    const result = await world.login('alice', {
      mutateCallback: (u) => {
        u.searchParams.set('access_token', 'attacker-access-token');
        u.searchParams.set('token_type', 'Bearer');
      },
    });
    await accepted(world, result);
    // [token endpoint's token, the one userinfo received]: the same, never the injected one.
    expect(bearer).toHaveLength(2);
    expect(bearer[1]).toBe(bearer[0]);
    expect(bearer[1]).not.toContain('attacker-access-token');
  });
});

describe('PKCE (RFC 7636, RFC 9700 §2.1.1, §4.5, §4.8)', () => {
  for (const [methods, id] of [
    [undefined, 'O-PKCE-1: metadata without code_challenge_methods_supported'],
    [['plain'], 'O-PKCE-2: metadata advertising only plain'],
  ] as const) {
    it(`RFC 9700 §4.8.2: with ${id}, Drawbridge still sends S256 with a 43-128 character verifier, and the token request carries it and the registered redirect_uri (O-RED-1)`, async () => {
      const tokenRequests: URLSearchParams[] = [];
      world = await createWorld({
        intercept: async (url, init, network) => {
          if (url.endsWith('/token')) tokenRequests.push(bodyOf(init));
          const res = await network(url, init);
          if (!url.endsWith('/.well-known/openid-configuration')) return res;
          const doc = (await res.json()) as Record<string, unknown>;
          if (methods) doc.code_challenge_methods_supported = methods;
          else delete doc.code_challenge_methods_supported;
          return Response.json(doc);
        },
      });
      const w = world;
      const { authorizationUrl, bindingCookie } = await w.startLogin('/after?x=1');
      const challenge = authorizationUrl.searchParams.get('code_challenge')!;
      expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
      expect(authorizationUrl.searchParams.get('redirect_uri')).toBe(w.callbackPrefix);
      const back = await authorizeAtProvider(authorizationUrl.href, 'alice', w.callbackPrefix);
      await accepted(w, await w.finishLogin(back, bindingCookie));
      expect(tokenRequests).toHaveLength(1);
      const verifier = tokenRequests[0]!.get('code_verifier')!;
      expect(verifier).toMatch(/^[A-Za-z0-9._~-]{43,128}$/);
      expect(createHash('sha256').update(verifier).digest('base64url')).toBe(challenge);
      expect(tokenRequests[0]!.get('redirect_uri')).toBe(w.callbackPrefix);
    });
  }

  it("RFC 9700 §4.5: a victim's unredeemed code injected into the attacker's own login is refused by the provider's PKCE check (oidc_token_request_failed) — O-INJ-1, O-PKCE-3", async () => {
    const answers: Array<{ status: number; body: Record<string, unknown> }> = [];
    world = await createWorld({
      intercept: async (url, init, network) => {
        const res = await network(url, init);
        if (!url.endsWith('/token')) return res;
        const body = (await res.json()) as Record<string, unknown>;
        answers.push({ status: res.status, body });
        return Response.json(body, { status: res.status });
      },
    });
    const w = world;
    const victim = await w.startLogin();
    const stolen = new URL(
      await authorizeAtProvider(victim.authorizationUrl.href, 'alice', w.callbackPrefix),
    );
    const attacker = await w.startLogin();
    stolen.searchParams.set('state', attacker.authorizationUrl.searchParams.get('state')!);
    await refused(w, await w.finishLogin(stolen.href, attacker.bindingCookie), 'oidc_token_request_failed');
    expect(answers).toMatchObject([{ status: 400, body: { error: 'invalid_grant' } }]);
    // The code itself was good: with the victim's own state (and so its verifier) it signs the victim in.
    stolen.searchParams.set('state', victim.authorizationUrl.searchParams.get('state')!);
    await accepted(w, await w.finishLogin(stolen.href, victim.bindingCookie));
    expect(answers.map((a) => a.status)).toEqual([400, 200]);
  });
});
