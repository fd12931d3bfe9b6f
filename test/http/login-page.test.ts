/** The login page's routes over HTTP: discovery rules, CSRF, the name prompt, theming, social buttons. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation } from '../support/actors.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

let t: TestApp;
let orgId: string;
const ORIGIN = 'http://drawbridge.test';

beforeAll(async () => {
  t = await startTestApp('sqlite', {
    LOGIN_THEME: '--accent: #0b6e4f; --radius: 4px',
    LOGIN_LOGO_URL: 'https://cdn.example.com/logo.svg',
    LOGIN_SOCIAL_CONNECTIONS: 'acme-google',
    DRAWBRIDGE_ALLOW_PRIVATE_IDP_URLS: 'true',
  });
  orgId = (await createOrganisation(t, 'Acme')).id;
  const post = (url: string, payload: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url, headers: t.admin, payload });
  await post(`/api/v1/organisations/${orgId}/oidc-configurations`, {
    name: 'acme-google',
    provider: 'google',
    clientId: 'c',
    clientSecret: 's',
  });
  await post(`/api/v1/organisations/${orgId}/saml-configurations`, { name: 'acme-saml' });
  await post(`/api/v1/organisations/${orgId}/domains`, { domain: 'claimed.test', verified: false });
  await post(`/api/v1/organisations/${orgId}/domains`, { domain: 'acme.test', verified: true });
});
afterAll(() => t.close());

async function form() {
  const page = await t.app.inject({ method: 'GET', url: '/login?next=/after' });
  const csrf = page.body.match(/name="csrf" value="([^"]+)"/)![1]!;
  const cookie = page.cookies.find((c) => c.name === 'drawbridge_csrf')!;
  return { page, csrf, cookie: `${cookie.name}=${cookie.value}` };
}

async function submit(url: string, fields: Record<string, string>, cookie: string) {
  return t.app.inject({
    method: 'POST',
    url,
    headers: { cookie, origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(fields).toString(),
  });
}

describe('GET /login', () => {
  it('is an accessible form with a CSRF cookie, the logo, the social button and a locked-down CSP', async () => {
    const { page } = await form();
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<label for="email">Email</label>');
    expect(page.body).toContain('<img class="logo" src="https://cdn.example.com/logo.svg"');
    expect(page.body).toContain(
      'href="/api/v1/auth/oidc/acme-google/login/?next=%2Fafter">Sign in with Google</a>',
    );
    expect(page.body).toContain('href="/login/sso?next=%2Fafter">Single Sign-On</a>');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("img-src 'self' https://cdn.example.com");
    expect(page.cookies.find((c) => c.name === 'drawbridge_csrf')).toMatchObject({
      httpOnly: true,
      sameSite: 'Strict',
    });
  });

  it('lets every sign-in page show the logo: the link and password pages share the CSP', async () => {
    for (const url of [
      '/login/reset-password?token=x',
      '/login/accept-invitation?token=x',
      '/login/link?request=x',
    ]) {
      const page = await t.app.inject({ method: 'GET', url });
      expect(String(page.headers['content-security-policy']), url).toContain(
        "img-src 'self' https://cdn.example.com",
      );
      expect(page.headers['referrer-policy'], url).toBe('same-origin');
    }
  });

  it('serves the theme as CSS custom properties', async () => {
    const css = await t.app.inject({ method: 'GET', url: '/login/style.css' });
    expect(css.headers['content-type']).toContain('text/css');
    expect(css.body).toContain(':root{--accent: #0b6e4f; --radius: 4px}');
  });

  it('escapes what it echoes (next, email)', async () => {
    const page = await t.app.inject({
      method: 'GET',
      url: `/login?next=${encodeURIComponent('"><script>alert(1)</script>')}`,
    });
    expect(page.body).not.toContain('<script>alert(1)</script>');
    expect(page.body).toContain('&quot;&gt;&lt;script&gt;');
  });
});

describe('POST /login (home-realm discovery)', () => {
  it('refuses a form without the CSRF token (403) and changes nothing', async () => {
    const { cookie } = await form();
    const res = await submit('/login', { email: 'x@acme.test', next: '/' }, cookie);
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('The form expired');
  });

  it("sends an email of a verified domain to its organisation's only SSO configuration, keeping next", async () => {
    const { csrf, cookie } = await form();
    const res = await submit('/login', { email: 'ada@acme.test', next: '/after', csrf }, cookie);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/api/v1/auth/saml/acme-saml/login/?next=%2Fafter');
  });

  it('never redirects for a claimed but unverified domain: the password field appears', async () => {
    const { csrf, cookie } = await form();
    const res = await submit('/login', { email: 'eve@claimed.test', next: '/after', csrf }, cookie);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<label for="password">Password</label>');
  });

  it('asks again for something that is not an email', async () => {
    const { csrf, cookie } = await form();
    const res = await submit('/login', { email: 'not an email', next: '/', csrf }, cookie);
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('role="alert"');
  });
});

describe('the Single Sign-On name prompt', () => {
  it('sends a SAML or OIDC configuration name to its login, and says so for an unknown one (404)', async () => {
    const { csrf, cookie } = await form();
    const saml = await submit('/login/sso', { name: 'ACME-SAML', next: '/x', csrf }, cookie);
    expect(saml.headers.location).toBe('/api/v1/auth/saml/acme-saml/login/?next=%2Fx');
    const oidc = await submit('/login/sso', { name: 'acme-google', next: '/x', csrf }, cookie);
    expect(oidc.headers.location).toBe('/api/v1/auth/oidc/acme-google/login/?next=%2Fx');
    const unknown = await submit('/login/sso', { name: 'nope', next: '/x', csrf }, cookie);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toContain('There is no single sign-on configuration with that name.');
  });

  it('skips the prompt when SAML_DEFAULT_CONFIGURATION is set', async () => {
    const other = await startTestApp('sqlite', { SAML_DEFAULT_CONFIGURATION: 'acme-saml' });
    try {
      const res = await other.app.inject({ method: 'GET', url: '/login/sso?next=/y' });
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe('/api/v1/auth/saml/login/?next=%2Fy');
    } finally {
      await other.close();
    }
  });
});

describe('the signed-in page', () => {
  it('redirects to /login without a session', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/login');
  });
});
