/**
 * attacks.md §4.4 (proxy header spoofing): Host, X-Forwarded-Host, X-Forwarded-Proto and
 * Forwarded sent by the client must not reach any URL Drawbridge generates or checks (the SAML
 * AuthnRequest, SP metadata, the ACS's Destination/Recipient check, the OIDC redirect_uri at
 * the start and at the token endpoint, post-login redirects) nor the cookies' Secure flag:
 * BASE_URL decides (docs/configuration.md). Run with TRUST_PROXY off and with TRUST_PROXY=true,
 * the setting that believes every X-Forwarded-* header.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeAtProvider } from '../interop/oidc/browser.ts';
import { createWorld, type World } from '../interop/oidc/world.ts';
import { snapshot, snapshotDiff } from '../properties/database-snapshot.ts';
import {
  ACS_PATH,
  NAME,
  ORIGIN,
  postAcs,
  type SamlApp,
  sessionSet,
  signedResponse,
  startSamlApp,
  startSpLogin,
} from '../saml/http/saml-app.ts';
import { createOrganisation, createPerson, PASSWORD } from '../support/actors.ts';
import { startTestApp } from '../support/app.ts';

/** Hostile header sets: one host, the proxy headers, conflicting lists, RFC 7239 Forwarded, all at once. */
const HOSTILE: Array<Record<string, string>> = [
  { host: 'evil.test' },
  { 'x-forwarded-host': 'evil.test', 'x-forwarded-proto': 'http' },
  { 'x-forwarded-host': 'sp.test, evil.test', 'x-forwarded-proto': 'https, http' },
  { forwarded: 'host=evil.test;proto=http', 'x-forwarded-host': 'evil.test' },
  {
    host: 'evil.test:8443',
    'x-forwarded-host': 'evil.test',
    'x-forwarded-proto': 'http',
    'x-forwarded-port': '8443',
    forwarded: 'for=192.0.2.1;host=evil.test;proto=http',
  },
];
const label = (h: Record<string, string>) => JSON.stringify(h);

const EXPECTED_ACS = `${ORIGIN}${ACS_PATH}`;
const EXPECTED_ENTITY = `${ORIGIN}/api/v1/auth/saml/${NAME}/metadata/`;

describe.each(['false', 'true'])('SAML URLs and cookies with TRUST_PROXY=%s (attacks.md §4.4)', (trust) => {
  let s: SamlApp;
  beforeAll(async () => {
    s = await startSamlApp({ TRUST_PROXY: trust }, { allowIdpInitiated: true });
  });
  afterAll(() => s.t.close());

  it.each(HOSTILE.map((h) => [label(h), h] as const))(
    'SAML Core §3.4.1: the AuthnRequest names the configured ACS URL and entity ID, whatever %s say; its binding cookie stays Secure — W-PXY-1, W-PXY-4, W-PXY-5',
    async (_label, headers) => {
      const login = await startSpLogin(s.t, '/after', headers);
      expect(login.authnRequest).toContain(`AssertionConsumerServiceURL="${EXPECTED_ACS}"`);
      expect(login.authnRequest).toContain(`>${EXPECTED_ENTITY}</saml:Issuer>`);
      expect(login.authnRequest).not.toContain('evil.test');
      expect(String(login.res.headers.location)).not.toContain('evil.test');
      const binding = login.res.cookies.find((c) => c.name.startsWith('drawbridge_saml_'))!;
      expect(binding).toMatchObject({ secure: true, sameSite: 'None' });
    },
  );

  it.each(HOSTILE.map((h) => [label(h), h] as const))(
    'SAML Metadata §2.4.4: the SP metadata names the configured entity ID and https ACS Location, whatever %s say — W-PXY-1, W-PXY-5',
    async (_label, headers) => {
      const res = await s.t.app.inject({
        method: 'GET',
        url: `/api/v1/auth/saml/${NAME}/metadata/`,
        headers,
      });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain(`entityID="${EXPECTED_ENTITY}"`);
      expect(res.body).toContain(`Location="${EXPECTED_ACS}"`);
      expect(res.body).not.toContain('evil.test');
      expect(res.body).not.toContain('http://sp.test');
    },
  );

  it.each(HOSTILE.map((h) => [label(h), h] as const))(
    'SAML Core §3.2.2 / Profiles §4.1.4.3: a response whose Destination or Recipient names the host from %s is refused (400 saml_destination_mismatch / saml_recipient_mismatch), no session — W-PXY-2',
    async (_label, headers) => {
      const evilAcs = `https://evil.test${ACS_PATH}`;
      const before = await snapshot(s.t.db);
      for (const [parts, code] of [
        [{ destination: evilAcs }, 'saml_destination_mismatch'],
        [{ recipient: evilAcs }, 'saml_recipient_mismatch'],
        [
          { destination: `http://sp.test${ACS_PATH}`, recipient: `http://sp.test${ACS_PATH}` },
          'saml_destination_mismatch',
        ],
      ] as const) {
        const res = await postAcs(s.t, signedResponse(null, 'alice@orga.test', parts), {
          headers: { ...headers, accept: 'application/json' },
        });
        expect(res.statusCode, res.body).toBe(400);
        expect(res.json().error.code).toBe(code);
        expect(sessionSet(res, s.t)).toBeUndefined();
      }
      expect(snapshotDiff(before, await snapshot(s.t.db), ['login_traces'])).toEqual([]);
    },
  );

  it('RFC 9700 §4.11 + RFC 6265bis §4.1.2.5: a login started and finished under hostile host headers lands on the configured origin with a Secure session cookie — W-PXY-1, W-PXY-4', async () => {
    const headers = HOSTILE[HOSTILE.length - 1]!;
    const login = await startSpLogin(s.t, '/after', headers);
    const res = await postAcs(s.t, signedResponse(login.requestId), {
      headers: { ...headers, cookie: login.bindingCookie },
    });
    expect(res.statusCode, res.body).toBe(303);
    expect(res.headers.location).toBe(`${ORIGIN}/after`);
    const session = res.cookies.find((c) => c.name === s.t.config.SESSION_COOKIE_NAME)!;
    expect(session.secure).toBe(true);
    expect(session.domain).toBeUndefined();
  });
});

describe('the session cookie on a plain-http BASE_URL (attacks.md §4.4)', () => {
  it.each(['false', 'true'])(
    'RFC 6265bis §4.1.2.5: X-Forwarded-Proto: https or Forwarded proto=https from the client does not decide the Secure flag (TRUST_PROXY=%s): BASE_URL does — W-PXY-3',
    async (trust) => {
      const t = await startTestApp('sqlite', { TRUST_PROXY: trust });
      try {
        const org = await createOrganisation(t);
        const person = await createPerson(t, org.id, 'member');
        for (const headers of [{ 'x-forwarded-proto': 'https' }, { forwarded: 'proto=https' }]) {
          const res = await t.app.inject({
            method: 'POST',
            url: '/api/v1/auth/login',
            headers,
            payload: { email: person.email, password: PASSWORD },
          });
          expect(res.statusCode, res.body).toBe(200);
          const cookie = res.cookies.find((c) => c.name === t.config.SESSION_COOKIE_NAME)!;
          expect(cookie.secure, JSON.stringify(headers)).toBeFalsy();
        }
      } finally {
        await t.close();
      }
    },
  );
});

describe('the OIDC redirect_uri under hostile host headers, TRUST_PROXY=true (attacks.md §4.4)', () => {
  let w: World;
  const tokenRequests: URLSearchParams[] = [];
  beforeAll(async () => {
    w = await createWorld({
      env: { TRUST_PROXY: 'true' },
      intercept: (url, init, network) => {
        if (url.endsWith('/token')) tokenRequests.push(new URLSearchParams(init.body as string));
        return network(url, init);
      },
    });
  });
  afterAll(() => w.close());

  it.each(HOSTILE.map((h) => [label(h), h] as const))(
    'RFC 6749 §3.1.2: the authorization request carries the configured redirect_uri, whatever %s say — W-PXY-1, W-PXY-5',
    async (_label, headers) => {
      const res = await w.t.app.inject({ method: 'GET', url: `/api/v1/auth/oidc/${w.name}/login/`, headers });
      expect(res.statusCode, res.body).toBe(302);
      const location = new URL(res.headers.location as string);
      expect(location.searchParams.get('redirect_uri')).toBe(w.callbackPrefix);
      expect(location.href).not.toContain('evil.test');
    },
  );

  it('RFC 6749 §4.1.3: a callback arriving with Host and X-Forwarded-Host evil.test sends the registered redirect_uri to the token endpoint and lands on the configured origin — W-PXY-6', async () => {
    const headers = HOSTILE[HOSTILE.length - 1]!;
    const start = await w.t.app.inject({
      method: 'GET',
      url: `/api/v1/auth/oidc/${w.name}/login/?next=${encodeURIComponent('/after')}`,
      headers,
    });
    const binding = start.cookies.find((c) => c.name.startsWith('drawbridge_oidc_'))!;
    const back = new URL(
      await authorizeAtProvider(start.headers.location as string, 'alice', w.callbackPrefix),
    );
    tokenRequests.length = 0;
    const res = await w.t.app.inject({
      method: 'GET',
      url: `${back.pathname}${back.search}`,
      headers: { ...headers, cookie: `${binding.name}=${binding.value}` },
    });
    expect(res.statusCode, res.body).toBe(303);
    expect(res.headers.location).toBe('http://drawbridge.test/after');
    expect(tokenRequests).toHaveLength(1);
    expect(tokenRequests[0]!.get('redirect_uri')).toBe(w.callbackPrefix);
  });
});
