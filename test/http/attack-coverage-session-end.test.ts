/**
 * attacks.md §4.2, how a session ends: logout ends it on the server (a copied cookie is dead),
 * logout cannot be forced cross-site (no GET logout, a foreign Origin or a missing form token
 * ends nothing), and the idle and absolute timeouts hold through HTTP with a frozen clock.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createOrganisation, createPerson, PASSWORD, signIn } from '../support/actors.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

describe('logout: server-side end and CSRF (attacks.md W-SES-5, W-SES-6)', () => {
  let t: TestApp;
  let orgId: string;
  beforeAll(async () => {
    t = await startTestApp('sqlite');
    orgId = (await createOrganisation(t)).id;
  });
  afterAll(() => t.close());

  const alive = async (cookie: string) =>
    (await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } })).statusCode;

  it('OWASP Session Management: a session cookie copied before logout (JSON API or the HTML form) is refused afterwards (401 unauthorized) on every route — W-SES-5', async () => {
    const viaApi = await createPerson(t, orgId, 'admin');
    const out = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { ...viaApi.headers, origin: 'http://drawbridge.test' },
    });
    expect(out.statusCode).toBe(204);

    const viaForm = await createPerson(t, orgId, 'admin');
    const page = await t.app.inject({ method: 'GET', url: '/', headers: viaForm.headers });
    const csrf = page.body.match(/name="csrf" value="([^"]+)"/)![1]!;
    const csrfCookie = page.cookies.find((c) => c.name === 'drawbridge_csrf')!;
    const form = await t.app.inject({
      method: 'POST',
      url: '/logout',
      headers: {
        cookie: `${viaForm.cookie}; ${csrfCookie.name}=${csrfCookie.value}`,
        origin: 'http://drawbridge.test',
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams({ csrf }).toString(),
    });
    expect(form.statusCode).toBe(303);
    expect(form.headers.location).toBe('/login');

    for (const person of [viaApi, viaForm]) {
      for (const url of ['/api/v1/auth/me', `/api/v1/organisations/${orgId}`, '/api/v1/auth/sessions']) {
        const replay = await t.app.inject({ method: 'GET', url, headers: person.headers });
        expect(replay.statusCode, url).toBe(401);
        expect(replay.json().error.code).toBe('unauthorized');
      }
    }
  });

  it('OWASP CSRF cheat sheet: a cross-site <img> GET of /logout or /api/v1/auth/logout ends nothing (404 not_found) — W-SES-6', async () => {
    const person = await createPerson(t, orgId, 'member');
    for (const url of ['/logout', '/api/v1/auth/logout']) {
      const res = await t.app.inject({
        method: 'GET',
        url,
        headers: { cookie: person.cookie, 'sec-fetch-site': 'cross-site', referer: 'https://evil.test/' },
      });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code).toBe('not_found');
      expect(res.cookies.find((c) => c.name === t.config.SESSION_COOKIE_NAME)).toBeUndefined();
    }
    expect(await alive(person.cookie)).toBe(200);
  });

  it('OWASP CSRF cheat sheet: a cross-site auto-submitted POST to either logout is refused (403 csrf_origin_mismatch) and the session lives — W-SES-6', async () => {
    const person = await createPerson(t, orgId, 'member');
    for (const [url, type, payload] of [
      ['/api/v1/auth/logout', 'application/json', '{}'],
      ['/api/v1/auth/logout', 'text/plain', 'x'],
      ['/logout', 'application/x-www-form-urlencoded', 'next=%2F'],
    ] as const) {
      const res = await t.app.inject({
        method: 'POST',
        url,
        headers: { cookie: person.cookie, origin: 'https://evil.test', 'content-type': type },
        payload,
      });
      expect(res.statusCode, url).toBe(403);
      expect(res.json().error.code).toBe('csrf_origin_mismatch');
    }
    expect(await alive(person.cookie)).toBe(200);
  });

  it('OWASP CSRF cheat sheet: the HTML logout form without its CSRF token (no Origin sent) ends nothing and sends the person back to / — W-SES-6', async () => {
    const person = await createPerson(t, orgId, 'member');
    const res = await t.app.inject({
      method: 'POST',
      url: '/logout',
      headers: { cookie: person.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'csrf=forged-token',
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/');
    expect(res.cookies.find((c) => c.name === t.config.SESSION_COOKIE_NAME)).toBeUndefined();
    expect(await alive(person.cookie)).toBe(200);
  });
});

describe('session lifetime through HTTP (attacks.md W-SES-11)', () => {
  let t: TestApp;
  let orgId: string;
  beforeAll(async () => {
    t = await startTestApp('sqlite', {
      SESSION_IDLE_TIMEOUT_SECONDS: '600',
      SESSION_ABSOLUTE_TIMEOUT_SECONDS: '3600',
    });
    orgId = (await createOrganisation(t)).id;
  });
  afterAll(() => t.close());
  afterEach(() => vi.restoreAllMocks());

  async function meAt(at: number, cookie: string) {
    vi.spyOn(Date, 'now').mockReturnValue(at);
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } });
    vi.restoreAllMocks();
    return res;
  }

  it('OWASP Session Management (idle timeout): a session unused for SESSION_IDLE_TIMEOUT_SECONDS answers 401 unauthorized — W-SES-11', async () => {
    const person = await createPerson(t, orgId, 'member');
    const t0 = Date.now();
    expect((await meAt(t0 + 590_000, person.cookie)).statusCode).toBe(200);
    const late = await meAt(t0 + 590_000 + 601_000, person.cookie);
    expect(late.statusCode).toBe(401);
    expect(late.json().error.code).toBe('unauthorized');
  });

  it('OWASP Session Management (absolute timeout): a session in constant use ends SESSION_ABSOLUTE_TIMEOUT_SECONDS after sign-in (401 unauthorized) — W-SES-11', async () => {
    const person = await createPerson(t, orgId, 'member');
    const t0 = Date.now();
    for (let at = t0 + 300_000; at < t0 + 3_590_000; at += 300_000) {
      expect((await meAt(at, person.cookie)).statusCode, `+${(at - t0) / 60_000} min`).toBe(200);
    }
    const ended = await meAt(t0 + 3_601_000, person.cookie);
    expect(ended.statusCode).toBe(401);
    expect(ended.json().error.code).toBe('unauthorized');
    // Signing in again is the way back (re-authentication), not the old cookie.
    expect(await signIn(t, person.email, PASSWORD)).not.toBe(person.cookie);
  });
});
