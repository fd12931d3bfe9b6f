/**
 * An SSO identity never silently takes over an instance administrator (issue #5): the refused
 * sign-in records a link request bound to the browser; only the admin, signing in with their
 * password afterwards in that browser, or another instance admin through the API, confirms it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/credentials/passwords.ts';
import { createWorld, type World } from '../interop/oidc/world.ts';

const PASSWORD = 'admin password for the link test';
let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** A world where alice@acme.test is an instance admin with a password, on the org's verified domain. */
async function adminWorld() {
  const w = await createWorld();
  world = w;
  await w.t.store.domains.create(w.orgId, { domain: 'acme.test', verified: true });
  await w.t.store.users.create({
    email: 'alice@acme.test',
    isInstanceAdmin: true,
    passwordHash: await hashPassword(PASSWORD),
  });
  return w;
}

const cookieOf = (res: { cookies: Array<{ name: string; value: string }> }, name: string) => {
  const c = res.cookies.find((x) => x.name === name && x.value !== '');
  return c ? `${c.name}=${c.value}` : undefined;
};

/** SSO as alice: refused, with where to confirm and the browser-binding cookie. */
async function refusedSso(w: World) {
  const { authorizationUrl, bindingCookie } = await w.startLogin();
  const { authorizeAtProvider } = await import('../interop/oidc/browser.ts');
  const back = new URL(await authorizeAtProvider(authorizationUrl.href, 'alice', w.callbackPrefix));
  const res = await w.t.app.inject({
    method: 'GET',
    url: `${back.pathname}${back.search}`,
    headers: { accept: 'application/json', cookie: bindingCookie },
  });
  expect(res.statusCode, res.body).toBe(403);
  const body = res.json() as { error: { code: string; next: string } };
  expect(body.error.code).toBe('identity_link_needs_confirmation');
  expect(cookieOf(res, w.t.config.SESSION_COOKIE_NAME)).toBeUndefined();
  return {
    next: body.error.next,
    linkCookie: cookieOf(res, 'drawbridge_link')!,
    requestId: new URL(body.error.next, 'http://x').searchParams.get('request')!,
  };
}

/** The page's form: returns the CSRF cookie and token. */
async function openPage(w: World, next: string, cookie: string) {
  const page = await w.t.app.inject({ method: 'GET', url: next, headers: { cookie } });
  expect(page.statusCode).toBe(200);
  const csrf = page.body.match(/name="csrf" value="([^"]+)"/)![1]!;
  return { csrf, cookies: [cookie, cookieOf(page, 'drawbridge_csrf')!].join('; '), body: page.body };
}

async function post(w: World, cookies: string, fields: Record<string, string>) {
  return w.t.app.inject({
    method: 'POST',
    url: '/login/link',
    headers: {
      cookie: cookies,
      origin: 'http://drawbridge.test',
      'content-type': 'application/x-www-form-urlencoded',
    },
    payload: new URLSearchParams(fields).toString(),
  });
}

describe('linking an SSO identity to an instance admin', () => {
  it('needs the admin to sign in with their password in the same browser and confirm; then SSO signs them in', async () => {
    const w = await adminWorld();
    const { next, linkCookie, requestId } = await refusedSso(w);
    const page = await openPage(w, next, linkCookie);
    expect(page.body).toContain('Sign in to confirm');
    const signedIn = await post(w, page.cookies, {
      request: requestId,
      csrf: page.csrf,
      decision: 'sign-in',
      password: PASSWORD,
    });
    expect(signedIn.statusCode, signedIn.body).toBe(200);
    const session = cookieOf(signedIn, w.t.config.SESSION_COOKIE_NAME)!;
    const confirmed = await post(w, `${page.cookies}; ${session}`, {
      request: requestId,
      csrf: page.csrf,
      decision: 'confirm',
    });
    expect(confirmed.statusCode, confirmed.body.replace(/<[^>]+>/g, ' ')).toBe(200);
    expect(confirmed.body).toContain('you can now sign in with');
    const events = await w.t.store.auditEvents.list(null, { limit: 20 });
    expect(events.items.map((e) => e.action)).toContain('identity.link_confirmed');
    const again = await w.login('alice');
    expect(again.status, again.body).toBe(303);
    expect((await w.me(again.sessionCookie!)).isInstanceAdmin).toBe(true);
  });

  it('refuses confirmation from another browser (no binding cookie): link_request_browser_mismatch', async () => {
    const w = await adminWorld();
    const { next, linkCookie, requestId } = await refusedSso(w);
    const page = await openPage(w, next, linkCookie);
    const signedIn = await post(w, page.cookies, {
      request: requestId,
      csrf: page.csrf,
      decision: 'sign-in',
      password: PASSWORD,
    });
    const session = cookieOf(signedIn, w.t.config.SESSION_COOKIE_NAME)!;
    const withoutBinding = page.cookies
      .split('; ')
      .filter((c) => !c.startsWith('drawbridge_link='))
      .join('; ');
    const res = await post(w, `${withoutBinding}; ${session}`, {
      request: requestId,
      csrf: page.csrf,
      decision: 'confirm',
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Confirm in the browser that signed in with SSO');
    expect((await w.login('alice')).code).toBe('identity_link_needs_confirmation');
  });

  it('refuses confirmation by a session that is older than the request (a sign-in by the existing method must follow it)', async () => {
    const w = await adminWorld();
    const login = await w.t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'alice@acme.test', password: PASSWORD },
    });
    const oldSession = cookieOf(login, w.t.config.SESSION_COOKIE_NAME)!;
    const { next, linkCookie, requestId } = await refusedSso(w);
    const page = await openPage(w, next, `${linkCookie}; ${oldSession}`);
    expect(page.body).toContain('Sign in to confirm');
    const res = await post(w, page.cookies, { request: requestId, csrf: page.csrf, decision: 'confirm' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Sign in with your password first');
  });

  it('lets another instance admin confirm through the API (audited), and refuses an unknown request with 404', async () => {
    const w = await adminWorld();
    const { requestId } = await refusedSso(w);
    const list = await w.t.app.inject({
      method: 'GET',
      url: '/api/v1/identity-link-requests',
      headers: w.t.admin,
    });
    expect(list.json().items).toEqual([expect.objectContaining({ id: requestId, connection: w.name })]);
    const ok = await w.t.app.inject({
      method: 'POST',
      url: `/api/v1/identity-link-requests/${requestId}/confirm`,
      headers: w.t.admin,
    });
    expect(ok.statusCode).toBe(204);
    const again = await w.t.app.inject({
      method: 'POST',
      url: `/api/v1/identity-link-requests/${requestId}/confirm`,
      headers: w.t.admin,
    });
    expect(again.statusCode).toBe(404);
    expect((await w.login('alice')).status).toBe(303);
  });
});
