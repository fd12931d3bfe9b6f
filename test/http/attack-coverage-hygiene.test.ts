/**
 * attacks.md §4.5 (response hygiene): what a refused SAML or OIDC sign-in shows the person
 * (no stack trace, no echo of attacker XML, markup escaped), the headers of the pages that carry
 * a SAML message or an authorization code (no-store, CSP, no-referrer), and what an info-level
 * log keeps of a whole SAML and OIDC sign-in (no SAMLResponse, ID token, access token, client
 * secret or PKCE verifier). The logs are read from a real pino logger at LOG_LEVEL=info.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggerOptions } from '../../src/ops/logger.ts';
import type { Transport } from '../../src/sso/outbound-fetch.ts';
import { authorizeAtProvider } from '../interop/oidc/browser.ts';
import { makeSigningKey, type RunningOp, startOp } from '../interop/oidc/provider.ts';
import { CLIENT_ID, CLIENT_SECRET, createWorld, PEOPLE, type World } from '../interop/oidc/world.ts';
import { idpMetadata } from '../saml/http/idp-fixture.ts';
import {
  ORIGIN,
  postAcs,
  type SamlApp,
  sessionSet,
  signedResponse,
  startSamlApp,
  startSpLogin,
} from '../saml/http/saml-app.ts';
import { IDP_A } from '../saml/response/support/builder.ts';
import { IDP_A_KEY } from '../saml/response/support/keys.ts';
import { createOrganisation } from '../support/actors.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

const html = { accept: 'text/html,application/xhtml+xml' };
const STACK = /\bat \S+ \(|\.ts:\d+:\d+|node:internal/;

/** The §4.5 rule for a failure page: HTML, no stack, none of the `hostile` strings verbatim. */
function safePage(
  res: { statusCode: number; headers: Record<string, unknown>; body: string },
  hostile: string[],
) {
  expect(res.statusCode).toBeGreaterThanOrEqual(400);
  expect(res.statusCode).toBeLessThan(500);
  expect(String(res.headers['content-type'])).toBe('text/html; charset=utf-8');
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.body).not.toMatch(STACK);
  for (const h of hostile) expect(res.body).not.toContain(h);
}

describe('SAML failure pages (attacks.md W-HYG-1)', () => {
  let s: SamlApp;
  beforeAll(async () => {
    s = await startSamlApp({}, { allowIdpInitiated: false });
  });
  afterAll(() => s.t.close());

  it('OWASP XSS: a malformed SAMLResponse carrying markup gets the failure page (400 saml_xml_malformed) with no stack and none of its XML — W-HYG-1', async () => {
    const xml =
      '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><script>alert(1)</script><unclosed>';
    const res = await postAcs(s.t, Buffer.from(xml).toString('base64'), {
      relayState: '"><script>alert(2)</script>',
      headers: html,
    });
    safePage(res, ['<script', 'alert(', 'samlp:Response', '<unclosed']);
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('<code>saml_xml_malformed</code>');
  });

  it('OWASP XSS: a refused signed response (400 saml_unsolicited_response) whose NameID and email carry markup echoes neither, in HTML or JSON — W-HYG-1', async () => {
    const markup = '&lt;img src=x onerror=alert(1)&gt;@orga.test';
    const page = await postAcs(s.t, signedResponse(null, markup), { headers: html });
    safePage(page, ['<img', 'onerror', 'alert(']);
    expect(page.body).toContain('<code>saml_unsolicited_response</code>');
    expect(sessionSet(page, s.t)).toBeUndefined();
    const asJson = await postAcs(s.t, signedResponse(null, markup), {
      headers: { accept: 'application/json' },
    });
    expect(asJson.statusCode).toBe(400);
    expect(asJson.json().error.code).toBe('saml_unsolicited_response');
    expect(asJson.body).not.toMatch(STACK);
    expect(asJson.body).not.toContain('onerror');
  });

  it('OWASP XSS (stored): an email with markup that the IdP signed is refused at sign-in (403 identity_email_invalid) and never stored — W-HYG-1', async () => {
    const login = await startSpLogin(s.t);
    const res = await postAcs(
      s.t,
      signedResponse(login.requestId, '&lt;img src=x onerror=alert(1)&gt;@orga.test'),
      {
        headers: { cookie: login.bindingCookie, accept: 'application/json' },
      },
    );
    expect(res.statusCode, res.body).toBe(403);
    expect(res.json().error.code).toBe('identity_email_invalid');
    expect(sessionSet(res, s.t)).toBeUndefined();
    const users = await s.t.app.inject({
      method: 'GET',
      url: `/api/v1/organisations/${s.orgId}/users`,
      headers: s.t.admin,
    });
    expect(users.body).not.toContain('onerror');
  });

  it("OWASP XSS (stored): an address with characters HTML gives meaning to (o'brien&co@orga.test) is shown escaped on the signed-in page — W-HYG-1", async () => {
    const login = await startSpLogin(s.t);
    const res = await postAcs(s.t, signedResponse(login.requestId, 'o&apos;brien&amp;co@orga.test'), {
      headers: { cookie: login.bindingCookie },
    });
    expect(res.statusCode, res.body).toBe(303);
    const page = await s.t.app.inject({
      method: 'GET',
      url: '/',
      headers: { cookie: `${s.t.config.SESSION_COOKIE_NAME}=${sessionSet(res, s.t)}` },
    });
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/o(&#39;|&#x27;|&apos;)brien&amp;co@orga\.test/);
    expect(page.body).not.toContain("o'brien&co@");
  });

  it('OWASP XSS: a configuration name made of markup in the ACS and login paths is escaped on the 404 page — W-HYG-1', async () => {
    const name = encodeURIComponent('<svg onload=alert(1)>');
    const acs = await postAcs(s.t, signedResponse(null), {
      path: `/api/v1/auth/saml/${name}/response/`,
      headers: html,
    });
    const start = await s.t.app.inject({
      method: 'GET',
      url: `/api/v1/auth/saml/${name}/login/`,
      headers: html,
    });
    for (const res of [acs, start]) {
      safePage(res, ['<svg']);
      expect(res.statusCode).toBe(404);
      expect(res.body).toContain('<code>saml_configuration_not_found</code>');
      expect(res.body).toContain('&lt;svg onload=alert(1)&gt;');
    }
  });

  it('W-HYG-3: the SAML ACS answer that sets the session sends no Referer on (Referrer-Policy: no-referrer)', async () => {
    const login = await startSpLogin(s.t);
    const res = await postAcs(s.t, signedResponse(login.requestId), {
      headers: { cookie: login.bindingCookie },
    });
    expect(res.statusCode, res.body).toBe(303);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
  });

  it('W-HYG-3: the auto-submitting AuthnRequest page (HTTP-POST binding) is no-store, no-referrer, framed by nobody, and its CSP allows no inline script and posts only to the IdP', async () => {
    const postOnly = idpMetadata(IDP_A, 'https://idp-a.test/sso', [IDP_A_KEY.certPem]).replace(
      /<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"[^>]*\/>/,
      '',
    );
    const created = await s.t.app.inject({
      method: 'POST',
      url: `/api/v1/organisations/${s.orgId}/saml-configurations`,
      headers: s.t.admin,
      payload: { name: 'post-only', idpMetadataXml: postOnly },
    });
    expect(created.statusCode, created.body).toBe(201);
    const res = await s.t.app.inject({ method: 'GET', url: '/api/v1/auth/saml/post-only/login/' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.body).toContain('name="SAMLRequest"');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain('form-action https://idp-a.test');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });
});

describe('the OIDC callback (attacks.md W-HYG-2, W-HYG-3)', () => {
  let w: World;
  beforeAll(async () => {
    w = await createWorld();
  });
  afterAll(() => w.close());

  it('OWASP XSS: error and error_description carrying markup on the callback are shown escaped (400 oidc_provider_error), never as markup — W-HYG-2', async () => {
    const { authorizationUrl, bindingCookie } = await w.startLogin();
    const callback = new URL(w.callbackPrefix);
    callback.searchParams.set('error', '<img src=x onerror=alert(1)>');
    callback.searchParams.set('error_description', '<script>alert(document.cookie)</script>');
    callback.searchParams.set('state', authorizationUrl.searchParams.get('state')!);
    callback.searchParams.set('iss', w.op.issuer);
    const res = await w.t.app.inject({
      method: 'GET',
      url: `${callback.pathname}${callback.search}`,
      headers: { ...html, cookie: bindingCookie },
    });
    safePage(res, ['<script', '<img']);
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('<code>oidc_provider_error</code>');
    expect(res.body).toContain('&lt;script&gt;');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(sessionSet(res, w.t)).toBeUndefined();
  });

  it('W-HYG-3 (RFC 9700 §4.2.4): the callback answer that carries the code in its URL sends no Referer on (Referrer-Policy: no-referrer)', async () => {
    const { authorizationUrl, bindingCookie } = await w.startLogin('/after');
    const back = new URL(await authorizeAtProvider(authorizationUrl.href, 'alice', w.callbackPrefix));
    const res = await w.t.app.inject({
      method: 'GET',
      url: `${back.pathname}${back.search}`,
      headers: { cookie: bindingCookie },
    });
    expect(res.statusCode, res.body).toBe(303);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
  });
});

/** An app like startTestApp's, but logging at info level into `lines`. */
function startLoggedApp(
  env: Record<string, string>,
  lines: string[],
  idpTransport?: Transport,
): Promise<TestApp> {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return startTestApp(
    'sqlite',
    { LOG_LEVEL: 'info', ...env },
    { logger: pino(loggerOptions('info'), sink), ...(idpTransport ? { idpTransport } : {}) },
  );
}

describe('info-level logs of whole sign-ins (attacks.md W-HYG-4)', () => {
  it('W-HYG-4: a SAML sign-in and a refused one leave neither the SAMLResponse nor its assertion XML in the logs', async () => {
    const lines: string[] = [];
    const logged = await startLoggedApp({ BASE_URL: ORIGIN }, lines);
    try {
      const orgId = (await createOrganisation(logged)).id;
      const created = await logged.app.inject({
        method: 'POST',
        url: `/api/v1/organisations/${orgId}/saml-configurations`,
        headers: logged.admin,
        payload: {
          name: 'acme-okta',
          allowIdpInitiated: true,
          idpMetadataXml: idpMetadata(IDP_A, 'https://idp-a.test/sso', [IDP_A_KEY.certPem]),
        },
      });
      expect(created.statusCode, created.body).toBe(201);
      const good = signedResponse(null, 'logged@orga.test');
      const tampered = signedResponse(null, 'other@orga.test').replace(/A/, 'B');
      expect((await postAcs(logged, good)).statusCode).toBe(303);
      expect((await postAcs(logged, tampered)).statusCode).toBe(400);
      const all = lines.join('');
      expect(all).toContain('SAML login refused');
      for (const secret of [good, tampered]) {
        expect(all).not.toContain(secret.slice(0, 40));
        expect(all).not.toContain(secret.slice(-40));
      }
      expect(all).not.toMatch(/SignatureValue|saml:Assertion|X509Certificate/);
    } finally {
      await logged.close();
    }
  });

  it('W-HYG-4: an OIDC sign-in leaves neither the ID token, the access token, the client secret nor the PKCE verifier in the logs', async () => {
    const lines: string[] = [];
    const seen: string[] = [];
    const transport: Transport = async (url, init) => {
      const res = await fetch(url, init);
      if (!url.endsWith('/token')) return res;
      const request = new URLSearchParams(init.body as string);
      seen.push(request.get('code_verifier') ?? '');
      const body = (await res.json()) as Record<string, string>;
      seen.push(body.id_token!, body.access_token!);
      return Response.json(body, { status: res.status });
    };
    const logged = await startLoggedApp({ DRAWBRIDGE_ALLOW_PRIVATE_IDP_URLS: 'true' }, lines, transport);
    const name = 'logged-op';
    const callback = `http://drawbridge.test/api/v1/auth/oidc/${name}/callback/`;
    let op: RunningOp | undefined;
    try {
      op = await startOp({
        keys: [await makeSigningKey('RS256', 'k1')],
        clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [callback] }],
        people: PEOPLE,
      });
      const orgId = (await createOrganisation(logged)).id;
      const created = await logged.app.inject({
        method: 'POST',
        url: `/api/v1/organisations/${orgId}/oidc-configurations`,
        headers: logged.admin,
        payload: {
          name,
          provider: 'generic-oidc',
          issuer: op.issuer,
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
        },
      });
      expect(created.statusCode, created.body).toBe(201);
      const start = await logged.app.inject({ method: 'GET', url: `/api/v1/auth/oidc/${name}/login/` });
      const binding = start.cookies.find((c) => c.name.startsWith('drawbridge_oidc_'))!;
      const back = new URL(await authorizeAtProvider(start.headers.location as string, 'alice', callback));
      const res = await logged.app.inject({
        method: 'GET',
        url: `${back.pathname}${back.search}`,
        headers: { cookie: `${binding.name}=${binding.value}` },
      });
      expect(res.statusCode, res.body).toBe(303);
      expect(seen.filter((s) => s.length > 20)).toHaveLength(3);
      const all = lines.join('');
      expect(all).toContain('"level":30');
      for (const secret of [...seen, CLIENT_SECRET]) expect(all).not.toContain(secret);
      // nor the authorization code and state of the callback URL (the request log line's url)
      for (const parameter of ['code', 'state']) {
        const value = back.searchParams.get(parameter)!;
        expect(value.length).toBeGreaterThan(10);
        expect(all).not.toContain(value);
      }
      expect(all).toContain(`/api/v1/auth/oidc/${name}/callback/?`);
    } finally {
      await op?.close();
      await logged.close();
    }
  });
});
