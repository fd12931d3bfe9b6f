/**
 * attacks.md §4.2 (sessions, cookies and CSRF), the cases no other file sent end to end: session
 * fixation and login swap through SAML and OIDC (the password and trusted-header routes have
 * their own tests), the cookie attributes of SSO sessions and of the pre-login binding cookies,
 * unsolicited SAML login CSRF, and cross-site form posts to admin routes. Each refusal asserts
 * its code and that nothing changed. Logout and timeouts: attack-coverage-session-end.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { authorizeAtProvider } from '../interop/oidc/browser.ts';
import { createWorld, type World } from '../interop/oidc/world.ts';
import { snapshot, snapshotDiff } from '../properties/database-snapshot.ts';
import { idpMetadata } from '../saml/http/idp-fixture.ts';
import {
  postAcs,
  type SamlApp,
  sessionSet,
  signedResponse,
  startSamlApp,
  startSpLogin,
  whoIs,
} from '../saml/http/saml-app.ts';
import { IDP_A } from '../saml/response/support/builder.ts';
import { IDP_A_KEY } from '../saml/response/support/keys.ts';
import { createOrganisation, createPerson, PASSWORD } from '../support/actors.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

const cookieValue = (cookieHeader: string) => cookieHeader.slice(cookieHeader.indexOf('=') + 1);

describe('SAML sign-in in a browser that already carries a session (attacks.md §4.2)', () => {
  let s: SamlApp;
  beforeAll(async () => {
    s = await startSamlApp();
  });
  afterAll(() => s.t.close());

  it("OWASP Session Management: a SAML sign-in in a browser carrying the attacker's planted session issues a new id and ends the planted one — W-SES-1", async () => {
    const mallory = await createPerson(s.t, s.orgId, 'member');
    const planted = cookieValue(mallory.cookie);
    const login = await startSpLogin(s.t);
    const res = await postAcs(s.t, signedResponse(login.requestId), {
      headers: { cookie: `${login.bindingCookie}; ${mallory.cookie}` },
    });
    expect(res.statusCode, res.body).toBe(303);
    const fresh = sessionSet(res, s.t);
    expect(fresh).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(fresh).not.toBe(planted);
    expect(await whoIs(s.t, planted)).toEqual({ status: 401 });
    expect(await whoIs(s.t, fresh!)).toEqual({ status: 200, email: 'alice@orga.test' });
  });

  it('OWASP Session Management: a session id the server never issued is not adopted at SAML sign-in; a new one is issued — W-SES-2', async () => {
    const chosen = 'attacker-chosen-session-id-0123456789abcdef';
    expect(chosen).toHaveLength(43);
    expect(await whoIs(s.t, chosen)).toEqual({ status: 401 });
    const login = await startSpLogin(s.t);
    const res = await postAcs(s.t, signedResponse(login.requestId), {
      headers: { cookie: `${login.bindingCookie}; ${s.t.config.SESSION_COOKIE_NAME}=${chosen}` },
    });
    expect(res.statusCode, res.body).toBe(303);
    const fresh = sessionSet(res, s.t);
    expect(fresh).not.toBe(chosen);
    expect(await whoIs(s.t, chosen)).toEqual({ status: 401 });
    expect((await whoIs(s.t, fresh!)).status).toBe(200);
  });

  it('RFC 6265bis §4.1.2: the SSO session cookie is HttpOnly, Secure, SameSite=Lax, Path=/, host-only (no Domain), 256 random bits — W-SES-3', async () => {
    const login = await startSpLogin(s.t);
    const res = await postAcs(s.t, signedResponse(login.requestId), {
      headers: { cookie: login.bindingCookie },
    });
    expect(res.statusCode, res.body).toBe(303);
    const raw = ([] as string[])
      .concat(res.headers['set-cookie'] as string | string[])
      .find((c) => c.startsWith(`${s.t.config.SESSION_COOKIE_NAME}=`))!;
    const attributes = raw.split(';').map((a) => a.trim().toLowerCase());
    expect(attributes).toEqual(expect.arrayContaining(['httponly', 'secure', 'samesite=lax', 'path=/']));
    expect(attributes.some((a) => a.startsWith('domain='))).toBe(false);
    expect(Buffer.from(sessionSet(res, s.t)!, 'base64url')).toHaveLength(32);
  });

  it('SAML Bindings §3.5 + RFC 6265bis §5.4.7: the SAML pre-login binding cookie is HttpOnly, Secure, SameSite=None, scoped to the SAML paths and lives at most 10 minutes — W-SES-4', async () => {
    const login = await startSpLogin(s.t);
    const binding = login.res.cookies.find((c) => c.name.startsWith('drawbridge_saml_'))!;
    expect(binding).toMatchObject({
      httpOnly: true,
      secure: true,
      sameSite: 'None',
      path: '/api/v1/auth/saml/',
    });
    expect(binding.maxAge).toBeGreaterThan(0);
    expect(binding.maxAge).toBeLessThanOrEqual(600);
    expect(binding.domain).toBeUndefined();
  });

  it("RFC 6265bis §5.4.7: over plain http the SAML binding cookie carries no SameSite attribute at all (an explicit Lax one is never sent on the IdP's cross-site POST; without one, a fresh cookie is) and is not Secure", async () => {
    const plain = await startSamlApp({ BASE_URL: 'http://localhost:8080' });
    try {
      const login = await startSpLogin(plain.t);
      const header = ([] as string[])
        .concat(login.res.headers['set-cookie'] ?? [])
        .find((c) => c.startsWith('drawbridge_saml_'))!;
      expect(header).toMatch(/; HttpOnly/);
      expect(header).not.toMatch(/SameSite/i);
      expect(header).not.toMatch(/; Secure/i);
    } finally {
      await plain.t.close();
    }
  });

  it('OWASP SAML cheat sheet: a cross-site auto-POST of an unsolicited response while IdP-initiated login is off is refused (400 saml_unsolicited_response): no session, no user, only the trace — W-SES-9', async () => {
    const before = await snapshot(s.t.db);
    const res = await postAcs(s.t, signedResponse(null, 'eve@orga.test'), {
      relayState: '/dashboard',
      headers: { origin: 'https://attacker.test', accept: 'application/json' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('saml_unsolicited_response');
    expect(sessionSet(res, s.t)).toBeUndefined();
    expect(res.headers.location).toBeUndefined();
    const after = await snapshot(s.t.db);
    expect(snapshotDiff(before, after, ['login_traces'])).toEqual([]);
    expect(after.login_traces.length).toBe(before.login_traces.length + 1);
    expect(await s.t.store.users.getByEmail('eve@orga.test')).toBeUndefined();
  });

  it("SAML Core §2.5.1 + W-SES-11: a session bounded by the IdP's SessionNotOnOrAfter is refused (401 unauthorized) once that instant has passed", async () => {
    const now = Date.now();
    const login = await startSpLogin(s.t);
    const res = await postAcs(
      s.t,
      signedResponse(login.requestId, 'alice@orga.test', { sessionNotOnOrAfter: now + 10 * 60_000 }),
      {
        headers: { cookie: login.bindingCookie },
      },
    );
    expect(res.statusCode, res.body).toBe(303);
    const session = sessionSet(res, s.t)!;
    expect((await whoIs(s.t, session)).status).toBe(200);
    const clock = vi.spyOn(Date, 'now').mockReturnValue(now + 10 * 60_000 + 1000);
    try {
      const me = await s.t.app.inject({
        method: 'GET',
        url: '/api/v1/auth/me',
        headers: { cookie: `${s.t.config.SESSION_COOKIE_NAME}=${session}` },
      });
      expect(me.statusCode).toBe(401);
      expect(me.json().error.code).toBe('unauthorized');
    } finally {
      clock.mockRestore();
    }
  });
});

describe('login swap through an IdP-initiated response (attacks.md §4.2)', () => {
  let s: SamlApp;
  beforeAll(async () => {
    s = await startSamlApp({}, { allowIdpInitiated: true });
  });
  afterAll(() => s.t.close());

  it("passport 0.6 rationale: a forced IdP-initiated login as mallory in alice's browser ends alice's session and gives a fresh one holding only mallory — W-SES-12", async () => {
    const first = await postAcs(s.t, signedResponse(null, 'alice@orga.test'));
    expect(first.statusCode, first.body).toBe(303);
    const alice = sessionSet(first, s.t)!;
    const aliceMe = await whoIs(s.t, alice);
    expect(aliceMe.email).toBe('alice@orga.test');
    const swapped = await postAcs(s.t, signedResponse(null, 'mallory@orga.test'), {
      headers: { cookie: `${s.t.config.SESSION_COOKIE_NAME}=${alice}` },
    });
    expect(swapped.statusCode, swapped.body).toBe(303);
    const mallory = sessionSet(swapped, s.t)!;
    expect(mallory).not.toBe(alice);
    expect(await whoIs(s.t, alice)).toEqual({ status: 401 });
    expect(await whoIs(s.t, mallory)).toEqual({ status: 200, email: 'mallory@orga.test' });
  });
});

describe('OIDC sign-in in a browser that already carries a session (attacks.md §4.2)', () => {
  let w: World;
  beforeAll(async () => {
    w = await createWorld();
  });
  afterAll(() => w.close());

  it("RFC 9700 §4.7 / OWASP Session Management: an OIDC sign-in in a browser carrying the attacker's planted session issues a new id and ends the planted one — W-SES-1", async () => {
    const mallory = await createPerson(w.t, w.orgId, 'member');
    const planted = cookieValue(mallory.cookie);
    const { authorizationUrl, bindingCookie } = await w.startLogin('/after');
    const back = new URL(await authorizeAtProvider(authorizationUrl.href, 'alice', w.callbackPrefix));
    const res = await w.t.app.inject({
      method: 'GET',
      url: `${back.pathname}${back.search}`,
      headers: { cookie: `${bindingCookie}; ${mallory.cookie}` },
    });
    expect(res.statusCode, res.body).toBe(303);
    const fresh = sessionSet(res, w.t)!;
    expect(fresh).not.toBe(planted);
    expect(await whoIs(w.t, planted)).toEqual({ status: 401 });
    expect(await whoIs(w.t, fresh)).toEqual({ status: 200, email: 'alice@acme.test' });
  });

  it('RFC 6265bis §5.4.7: the OIDC pre-login binding cookie is HttpOnly, SameSite=Lax (the callback is a top-level GET), scoped to the OIDC paths and lives at most 10 minutes — W-SES-4', async () => {
    const res = await w.t.app.inject({ method: 'GET', url: `/api/v1/auth/oidc/${w.name}/login/` });
    expect(res.statusCode).toBe(302);
    const binding = res.cookies.find((c) => c.name.startsWith('drawbridge_oidc_'))!;
    expect(binding).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/api/v1/auth/oidc/' });
    expect(binding.maxAge).toBeGreaterThan(0);
    expect(binding.maxAge).toBeLessThanOrEqual(600);
  });
});

describe('cross-site writes with an admin session cookie (attacks.md §4.2)', () => {
  let t: TestApp;
  let orgId: string;
  beforeAll(async () => {
    t = await startTestApp('sqlite');
    orgId = (await createOrganisation(t)).id;
  });
  afterAll(() => t.close());

  it('OWASP CSRF cheat sheet: a cross-site form POST (urlencoded, text/plain, Origin: null) uploading a SAML configuration with an admin cookie is refused (403 csrf_origin_mismatch) and stores nothing — W-SES-10', async () => {
    const admin = await createPerson(t, orgId, 'admin');
    const fields = new URLSearchParams({
      name: 'evil-upload',
      allowIdpInitiated: 'true',
      idpMetadataXml: idpMetadata(IDP_A, 'https://evil.test/sso', [IDP_A_KEY.certPem]),
    }).toString();
    const before = await snapshot(t.db);
    for (const [origin, type] of [
      ['https://evil.test', 'application/x-www-form-urlencoded'],
      ['https://evil.test', 'text/plain'],
      ['null', 'application/x-www-form-urlencoded'],
      ['http://drawbridge.test.evil.test', 'application/x-www-form-urlencoded'],
    ] as const) {
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/v1/organisations/${orgId}/saml-configurations`,
        headers: { cookie: admin.cookie, origin, 'content-type': type },
        payload: fields,
      });
      expect(res.statusCode, `${origin} ${type}`).toBe(403);
      expect(res.json().error.code).toBe('csrf_origin_mismatch');
    }
    expect(snapshotDiff(before, await snapshot(t.db))).toEqual([]);
  });
});

describe('the __Host- cookie prefix (attacks.md W-SES-3)', () => {
  it('RFC 6265bis §4.1.3.2: SESSION_COOKIE_NAME=__Host-drawbridge behind https gives a cookie that meets the prefix rules (Secure, Path=/, no Domain) and authenticates — W-SES-3', async () => {
    const t = await startTestApp('sqlite', {
      BASE_URL: 'https://sso.example.test',
      SESSION_COOKIE_NAME: '__Host-drawbridge',
    });
    try {
      const person = await createPerson(t, (await createOrganisation(t)).id, 'member');
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: person.email, password: PASSWORD },
      });
      const raw = ([] as string[])
        .concat(res.headers['set-cookie'] as string | string[])
        .find((c) => c.startsWith('__Host-drawbridge='))!;
      const attributes = raw.split(';').map((a) => a.trim().toLowerCase());
      expect(attributes).toEqual(expect.arrayContaining(['secure', 'path=/', 'httponly']));
      expect(attributes.some((a) => a.startsWith('domain='))).toBe(false);
      expect(
        (await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: person.headers })).statusCode,
      ).toBe(200);
    } finally {
      await t.close();
    }
  });
});

describe('SAML Bindings §3.5.5: the IdP page posts the answer to the ACS from its own origin', () => {
  let s: SamlApp;
  beforeAll(async () => {
    s = await startSamlApp();
  });
  afterAll(() => s.t.close());

  it.each(['https://idp-a.test', 'null'])(
    'an SP-initiated answer posted with Origin: %s and the SameSite=None binding cookie signs the person in (303 and a session), not csrf_origin_mismatch',
    async (origin) => {
      const login = await startSpLogin(s.t, '/after');
      const res = await postAcs(s.t, signedResponse(login.requestId), {
        relayState: login.relayState,
        headers: { cookie: login.bindingCookie, origin },
      });
      expect(res.statusCode, res.body).toBe(303);
      expect(res.headers.location).toBe('https://sp.test/after');
      expect(sessionSet(res, s.t)).toBeDefined();
    },
  );

  it('the exemption is the ACS alone: a cookie-carrying POST from the IdP origin to the password login is still csrf_origin_mismatch', async () => {
    const login = await startSpLogin(s.t, '/after');
    const res = await s.t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { cookie: login.bindingCookie, origin: 'https://idp-a.test', accept: 'application/json' },
      payload: { email: 'alice@orga.test', password: 'whatever-password' },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('csrf_origin_mismatch');
  });
});
