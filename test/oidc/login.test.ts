/**
 * End to end against a real OpenID Provider (panva's oidc-provider on loopback): authorization
 * code + PKCE, the ID token verified against the provider's JWKS, role and groups mapped.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { makeSigningKey, type SigningAlg } from '../interop/oidc/provider.ts';
import { createWorld, tamperIdToken, type World } from '../interop/oidc/world.ts';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function group(w: World, name: string, externalId: string, role?: string) {
  const res = await w.t.app.inject({
    method: 'POST',
    url: `/api/v1/organisations/${w.orgId}/groups`,
    headers: w.t.admin,
    payload: { name, externalId, ...(role ? { role } : {}) },
  });
  expect(res.statusCode).toBe(201);
  return (JSON.parse(res.body) as { id: string }).id;
}

describe('OIDC login against oidc-provider', () => {
  it('signs a person in with code + PKCE S256 and a nonce, and lands on the validated next path', async () => {
    world = await createWorld();
    const { authorizationUrl } = await world.startLogin('/dashboard?tab=1');
    expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizationUrl.searchParams.get('nonce')).toMatch(/^[\w-]{20,}$/);
    expect(authorizationUrl.searchParams.get('redirect_uri')).toBe(world.callbackPrefix);
    const result = await world.login('alice', { next: '/dashboard?tab=1' });
    expect(result.status).toBe(303);
    expect(result.location).toBe('http://drawbridge.test/dashboard?tab=1');
    const me = await world.me(result.sessionCookie!);
    expect(me).toMatchObject({
      email: 'alice@acme.test',
      firstName: 'Alice',
      lastName: 'Liddell',
      role: 'admin',
    });
  });

  it('sends people to an ALLOWED_REDIRECT_ORIGINS app, and an off-site next back to the instance (W-OR-1)', async () => {
    world = await createWorld({ env: { ALLOWED_REDIRECT_ORIGINS: 'https://app.acme.test' } });
    expect((await world.login('alice', { next: 'https://app.acme.test/welcome' })).location).toBe(
      'https://app.acme.test/welcome',
    );
    expect((await world.login('alice', { next: 'https://evil.test/' })).location).toBe(
      'http://drawbridge.test/',
    );
    expect((await world.login('alice', { next: '/\\evil.test' })).location).toBe('http://drawbridge.test/');
  });

  it('maps the groups claim to groups by externalId and adds and removes them on later logins', async () => {
    world = await createWorld();
    const eng = await group(world, 'Engineering', 'engineering');
    const sales = await group(world, 'Sales', 'sales');
    const ids = async (cookie: string) =>
      ((await world!.me(cookie)).groups as Array<{ id: string }>).map((g) => g.id).sort();
    const first = await world.login('alice');
    expect(await ids(first.sessionCookie!)).toEqual([eng]);
    world.people.alice!.groups = ['sales'];
    const second = await world.login('alice');
    expect(await ids(second.sessionCookie!)).toEqual([sales]);
  });

  it('takes the role from the role claim with LiteLLM aliases (proxy_admin_viewer → admin_viewer)', async () => {
    world = await createWorld();
    const result = await world.login('bob');
    expect(result.status).toBe(303);
    expect(await world.me(result.sessionCookie!)).toMatchObject({
      email: 'bob@acme.test',
      role: 'admin_viewer',
    });
  });

  for (const alg of ['RS256', 'PS256', 'ES256', 'EdDSA'] as SigningAlg[]) {
    it(`verifies ID tokens signed with ${alg} against the provider's JWKS`, async () => {
      world = await createWorld({ algs: [alg] });
      const result = await world.login('alice');
      expect(result.status, result.body).toBe(303);
      expect(result.sessionCookie).toBeDefined();
    });
  }

  it('follows a key rotation at the provider: the unknown kid makes Drawbridge fetch the JWKS again (rp-key-rotation-op-sign-key)', async () => {
    world = await createWorld();
    expect((await world.login('alice')).status).toBe(303);
    const rotated = await makeSigningKey('RS256', 'key-rotated');
    await world.restartOp([rotated, ...world.op.keys]);
    const second = await world.login('alice');
    expect(second.status, second.body).toBe(303);
  });

  it('authenticates to the token endpoint with private_key_jwt (RFC 7523) when configured with a key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'rp-key', use: 'sig', alg: 'RS256' };
    world = await createWorld({
      client: {
        token_endpoint_auth_method: 'private_key_jwt',
        client_secret: undefined,
        jwks: { keys: [jwk] },
      },
      configuration: { privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) },
    });
    const result = await world.login('alice');
    expect(result.status, result.body).toBe(303);
  });

  it("fetches the provider's JWKS again for an unknown kid at most once per cooldown (forged kids cannot make it hammer the provider)", async () => {
    let jwksFetches = 0;
    const attacker = await makeSigningKey('RS256', 'forged-kid');
    world = await createWorld({
      env: { OIDC_JWKS_COOLDOWN_SECONDS: '600' },
      intercept: async (url, init, network) => {
        if (url.endsWith('/jwks')) jwksFetches += 1;
        const tamper = tamperIdToken(
          () => world!.op.keys,
          (h) => {
            h.kid = 'forged-kid';
            return { sign: attacker };
          },
        );
        return tamper(url, init, network);
      },
    });
    for (let i = 0; i < 3; i++) expect((await world.login('alice')).code).toBe('oidc_key_not_found');
    expect(jwksFetches).toBe(1);
  });

  it('gives the user default attributes at first login and returns them from /auth/me', async () => {
    world = await createWorld({
      configuration: { userDefaults: { models: ['gpt-4o'], max_budget: 10, budget_duration: '30d' } },
    });
    const result = await world.login('alice');
    expect((await world.me(result.sessionCookie!)).attributes).toEqual({
      models: ['gpt-4o'],
      max_budget: 10,
      budget_duration: '30d',
    });
  });
});
