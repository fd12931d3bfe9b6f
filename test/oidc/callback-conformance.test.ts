/**
 * The callback's own rules (attacks.md §2.2: state, mix-up, code injection and replay, provider
 * errors, userinfo, email verification), played against the real provider: each refusal has
 * its code, leaves no session, and leaves a login trace an admin can read.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { authorizeAtProvider } from '../interop/oidc/browser.ts';
import { startOp } from '../interop/oidc/provider.ts';
import { createWorld, type LoginResult, type World, type WorldOptions } from '../interop/oidc/world.ts';

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

async function make(options: WorldOptions = {}) {
  world = await createWorld(options);
  return world;
}

async function traces(w: World) {
  const res = await w.t.app.inject({
    method: 'GET',
    url: `/api/v1/organisations/${w.orgId}/login-traces`,
    headers: w.t.admin,
  });
  return (
    JSON.parse(res.body) as { items: Array<{ outcome: string; code: string | null; protocol: string }> }
  ).items;
}

describe('state and browser binding (RFC 6749 §10.12, RFC 9700 §4.7)', () => {
  it('refuses a callback without state (O-STATE-1) and traces it', async () => {
    const w = await make();
    refused(
      await w.login('alice', { mutateCallback: (u) => u.searchParams.delete('state') }),
      'oidc_state_missing',
    );
    expect((await traces(w))[0]).toMatchObject({
      protocol: 'oidc',
      outcome: 'failure',
      code: 'oidc_state_missing',
    });
  });

  it('refuses a state this service never issued (O-STATE-2)', async () => {
    const w = await make();
    refused(
      await w.login('alice', { mutateCallback: (u) => u.searchParams.set('state', 'forged-state-value') }),
      'oidc_state_unknown',
    );
  });

  it('refuses a callback delivered to a browser that did not start the login (login CSRF, O-STATE-3)', async () => {
    const w = await make();
    refused(await w.login('alice', { binding: 'none' }), 'oidc_state_browser_mismatch');
  });

  it('gives exactly one session when the same callback arrives twice at once (a double click): the provider refuses the second code', async () => {
    const w = await make();
    const { authorizationUrl, bindingCookie } = await w.startLogin();
    const back = await authorizeAtProvider(authorizationUrl.href, 'alice', w.callbackPrefix);
    const results = await Promise.all([
      w.finishLogin(back, bindingCookie),
      w.finishLogin(back, bindingCookie),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([303, 400]);
    expect(results.filter((r) => r.sessionCookie).length).toBe(1);
  });

  it('gives exactly one session for a twice-delivered callback even from a provider that redeems a code twice: the claim is in the login commit', async () => {
    let answer: Promise<{ status: number; body: string }> | undefined;
    const w = await make({
      // A lenient provider: one token answer, given to every request for the code.
      intercept: async (url, init, network) => {
        if (!url.endsWith('/token')) return network(url, init);
        answer ??= network(url, init).then(async (r) => ({ status: r.status, body: await r.text() }));
        const { status, body } = await answer;
        return new Response(body, { status, headers: { 'content-type': 'application/json' } });
      },
    });
    const { authorizationUrl, bindingCookie } = await w.startLogin();
    const back = await authorizeAtProvider(authorizationUrl.href, 'alice', w.callbackPrefix);
    const results = await Promise.all([
      w.finishLogin(back, bindingCookie),
      w.finishLogin(back, bindingCookie),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([303, 400]);
    expect(results.filter((r) => r.sessionCookie).length).toBe(1);
    expect(results.find((r) => r.status === 400)?.code).toBe('oidc_state_unknown');
  });

  it("does not use up the person's login when another browser presents its state first", async () => {
    const w = await make();
    const { authorizationUrl, bindingCookie } = await w.startLogin();
    const back = await authorizeAtProvider(authorizationUrl.href, 'alice', w.callbackPrefix);
    refused(await w.finishLogin(back, 'drawbridge_oidc_x=forged'), 'oidc_state_browser_mismatch');
    expect((await w.finishLogin(back, bindingCookie)).status).toBe(303);
  });

  it('refuses a replayed successful callback: state is single use (O-STATE-4)', async () => {
    const w = await make();
    const { authorizationUrl, bindingCookie } = await w.startLogin();
    const back = await authorizeAtProvider(authorizationUrl.href, 'alice', w.callbackPrefix);
    expect((await w.finishLogin(back, bindingCookie)).status).toBe(303);
    refused(await w.finishLogin(back, bindingCookie), 'oidc_state_unknown');
  });

  it("refuses a state started for another configuration at this configuration's callback (O-MIX-3)", async () => {
    const w = await make();
    const other = await w.t.app.inject({
      method: 'POST',
      url: `/api/v1/organisations/${w.orgId}/oidc-configurations`,
      headers: w.t.admin,
      payload: {
        name: `${w.name}-b`,
        provider: 'generic-oidc',
        issuer: w.op.issuer,
        clientId: 'other',
        clientSecret: 'other-secret',
      },
    });
    expect(other.statusCode).toBe(201);
    const res = await w.t.app.inject({ method: 'GET', url: `/api/v1/auth/oidc/${w.name}-b/login/` });
    const state = new URL(res.headers.location as string).searchParams.get('state')!;
    const binding = res.cookies.find((c) => c.name.startsWith('drawbridge_oidc_'))!;
    refused(
      await w.finishLogin(`${w.callbackPrefix}?code=x&state=${state}`, `${binding.name}=${binding.value}`),
      'oidc_state_wrong_configuration',
    );
  });
});

describe('mix-up, code injection and provider errors', () => {
  it('refuses a callback whose RFC 9207 iss names another provider (O-MIX-1)', async () => {
    const w = await make();
    refused(
      await w.login('alice', { mutateCallback: (u) => u.searchParams.set('iss', 'https://op-evil.test') }),
      'oidc_issuer_response_mismatch',
    );
  });

  it('refuses a callback without iss when the provider advertises RFC 9207 (O-MIX-1)', async () => {
    const w = await make();
    refused(
      await w.login('alice', { mutateCallback: (u) => u.searchParams.delete('iss') }),
      'oidc_issuer_response_mismatch',
    );
  });

  it('refuses a code redeemed before, even with a fresh state: the provider refuses it and PKCE does not match (O-INJ-1, O-INJ-2)', async () => {
    const w = await make();
    const first = await w.startLogin();
    const back = new URL(await authorizeAtProvider(first.authorizationUrl.href, 'alice', w.callbackPrefix));
    expect((await w.finishLogin(back.href, first.bindingCookie)).status).toBe(303);
    const second = await w.startLogin();
    back.searchParams.set('state', second.authorizationUrl.searchParams.get('state')!);
    refused(await w.finishLogin(back.href, second.bindingCookie), 'oidc_token_request_failed');
  });

  it('shows the provider error, creates no session and consumes the state (O-ERR-1)', async () => {
    const w = await make();
    const { authorizationUrl, bindingCookie } = await w.startLogin();
    const state = authorizationUrl.searchParams.get('state')!;
    const url = `${w.callbackPrefix}?error=access_denied&error_description=denied&state=${state}&iss=${encodeURIComponent(w.op.issuer)}`;
    refused(await w.finishLogin(url, bindingCookie), 'oidc_provider_error');
    refused(await w.finishLogin(url, bindingCookie), 'oidc_state_unknown');
  });
});

describe('userinfo (OIDC Core §5.3)', () => {
  it('merges userinfo claims when configured (rp-scope-userinfo-claims)', async () => {
    const w = await make({ configuration: { fetchUserinfo: true } });
    const result = await w.login('alice');
    expect(result.status, result.body).toBe(303);
  });

  it('refuses a userinfo answer about another subject (rp-userinfo-bad-sub-claim, §5.3.4)', async () => {
    const w = await make({
      configuration: { fetchUserinfo: true },
      intercept: async (url, init, network) => {
        const res = await network(url, init);
        if (!url.endsWith('/me')) return res;
        return Response.json({ ...((await res.json()) as object), sub: 'mallory' });
      },
    });
    refused(await w.login('alice'), 'oidc_userinfo_subject_mismatch');
  });

  it('refuses a userinfo answer that is not JSON (O-USER-1)', async () => {
    const w = await make({
      configuration: { fetchUserinfo: true },
      intercept: async (url, init, network) => {
        const res = await network(url, init);
        if (!url.endsWith('/me')) return res;
        return new Response('eyJhbGciOiJub25lIn0.e30.', { headers: { 'content-type': 'application/jwt' } });
      },
    });
    refused(await w.login('alice'), 'oidc_userinfo_failed');
  });
});

describe('email verification and domains', () => {
  async function existingUser(w: World, email: string) {
    const res = await w.t.app.inject({
      method: 'POST',
      url: `/api/v1/organisations/${w.orgId}/users`,
      headers: w.t.admin,
      payload: { email, firstName: 'Existing', lastName: 'User', role: 'member' },
    });
    expect(res.statusCode).toBe(201);
    const domain = await w.t.app.inject({
      method: 'POST',
      url: `/api/v1/organisations/${w.orgId}/domains`,
      headers: w.t.admin,
      payload: { domain: email.split('@')[1], verified: true },
    });
    expect([201, 409]).toContain(domain.statusCode);
  }

  it('never links email_verified: false to an existing account, even on a verified domain (O-EMAIL-1)', async () => {
    const w = await make();
    await existingUser(w, 'bob@acme.test');
    refused(await w.login('bob'), 'identity_link_refused');
  });

  it('links email_verified: true to the existing account on a verified domain', async () => {
    const w = await make();
    await existingUser(w, 'alice@acme.test');
    const result = await w.login('alice');
    expect(result.status, result.body).toBe(303);
    expect(await w.me(result.sessionCookie!)).toMatchObject({ email: 'alice@acme.test', firstName: 'Alice' });
  });

  it('refuses an email outside the allowed domains (LiteLLM ALLOWED_EMAIL_DOMAINS)', async () => {
    const w = await make({ configuration: { allowedEmailDomains: ['other.test'] } });
    refused(await w.login('alice'), 'oidc_email_domain_not_allowed');
  });
});

describe('configuration state', () => {
  it('refuses to start a login for a disabled configuration (409) or an unknown name (404)', async () => {
    const w = await make();
    await w.t.app.inject({
      method: 'PATCH',
      url: `/api/v1/organisations/${w.orgId}/oidc-configurations/${w.name}`,
      headers: w.t.admin,
      payload: { enabled: false },
    });
    const disabled = await w.t.app.inject({
      method: 'GET',
      url: `/api/v1/auth/oidc/${w.name}/login/`,
      headers: { accept: 'application/json' },
    });
    expect(disabled.statusCode).toBe(409);
    expect(JSON.parse(disabled.body).error.code).toBe('oidc_configuration_disabled');
    const unknown = await w.t.app.inject({
      method: 'GET',
      url: '/api/v1/auth/oidc/nobody/login/',
      headers: { accept: 'application/json' },
    });
    expect(unknown.statusCode).toBe(404);
  });

  it("refuses OIDC when the organisation's login policy does not allow it, at start and at the callback", async () => {
    const w = await make();
    const { authorizationUrl, bindingCookie } = await w.startLogin();
    const back = await authorizeAtProvider(authorizationUrl.href, 'alice', w.callbackPrefix);
    const policy = await w.t.app.inject({
      method: 'PATCH',
      url: `/api/v1/organisations/${w.orgId}/login-policy`,
      headers: w.t.admin,
      payload: { allowedLoginMethods: ['password', 'saml'] },
    });
    expect(policy.statusCode, policy.body).toBe(200);
    const start = await w.t.app.inject({
      method: 'GET',
      url: `/api/v1/auth/oidc/${w.name}/login/`,
      headers: { accept: 'application/json' },
    });
    expect(start.statusCode).toBe(403);
    expect(JSON.parse(start.body).error.code).toBe('identity_login_method_not_allowed');
    const result = await w.finishLogin(back, bindingCookie);
    expect(result.code).toBe('identity_login_method_not_allowed');
    expect(result.sessionCookie).toBeUndefined();
  });

  it('refuses a provider whose discovery names another issuer than its URL (rp-discovery-issuer-not-matching-config)', async () => {
    const w = await make();
    const liar = await startOp({ keys: w.op.keys, clients: [], people: {}, issuer: 'https://op-a.test' });
    try {
      await w.t.app.inject({
        method: 'POST',
        url: `/api/v1/organisations/${w.orgId}/oidc-configurations`,
        headers: w.t.admin,
        payload: {
          name: `${w.name}-liar`,
          provider: 'generic-oidc',
          issuer: liar.url,
          clientId: 'c',
          clientSecret: 's',
        },
      });
      const res = await w.t.app.inject({
        method: 'GET',
        url: `/api/v1/auth/oidc/${w.name}-liar/login/`,
        headers: { accept: 'application/json' },
      });
      expect(res.statusCode).toBe(502);
      expect(JSON.parse(res.body).error.code).toBe('oidc_discovery_failed');
    } finally {
      await liar.close();
    }
  });
});
