/**
 * attacks.md §4.1 (open redirect via `next` / RelayState), end to end: every payload goes in
 * where a person's return path enters Drawbridge (the OIDC and SAML login starts, the password
 * form, the SAML RelayState), a real login completes, and the final Location must stay on the
 * instance: the default page, or the same-origin path for the positive controls.
 * (test/sso/return-path.test.ts covers the validator alone; this covers every route using it.)
 */
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeAtProvider } from '../interop/oidc/browser.ts';
import { createWorld, type World } from '../interop/oidc/world.ts';
import { CookieJar } from '../interop/saml/browser.ts';
import { NAME, ORIGIN, startSamlApp } from '../saml/http/saml-app.ts';
import { buildResponse, sign } from '../saml/response/support/builder.ts';
import { createPerson, PASSWORD } from '../support/actors.ts';
import type { TestApp } from '../support/app.ts';

/** What the final Location must be: the default page, a path on this origin, or exactly the path given. */
type Expect = 'default' | 'same-origin' | 'kept';

/** The §4.1 payloads (Django's bad-URL list and friends), with `sp.test` read as this instance's origin. */
function payloads(origin: string): Array<[id: string, payload: string, expect: Expect]> {
  const host = new URL(origin).host;
  const bad = (id: string, list: string[]) => list.map((p): [string, string, Expect] => [id, p, 'default']);
  return [
    ...bad('W-OR-1', ['https://evil.test/']),
    ...bad('W-OR-2', ['//evil.test/']),
    ...bad('W-OR-3', ['/\\evil.test/']),
    ...bad('W-OR-4', ['\\\\evil.test', '\\/evil.test', '/\\/evil.test', '\\\\//evil.test']),
    ...bad('W-OR-5', ['https:evil.test', 'http:/\\/\\evil.test', 'http:\\/evil.test', 'http:///evil.test']),
    ...bad('W-OR-6', ['///evil.test', '////evil.test']),
    ...bad('W-OR-7', ['/%2F%2Fevil.test', '%2F%2Fevil.test', '/%5Cevil.test', '%2f%5cevil.test']),
    ...bad('W-OR-8', ['/%252F%252Fevil.test']),
    ...bad('W-OR-9', ['/\t/evil.test', '/\n/evil.test', '\x08//evil.test', '%09//evil.test', ' //evil.test']),
    ...bad('W-OR-10', [`${origin}@evil.test/`, `${origin}%40evil.test`, `http://${host}\\@evil.test`]),
    ...bad('W-OR-11', [
      `${origin}.evil.test/`,
      `https://evil.test/${host}`,
      `https://evil${host}`,
      `${origin}:443@evil.test`,
    ]),
    ...bad('W-OR-12', [
      `https://evil.test#@${host}`,
      `https://evil.test?@${host}`,
      `https://evil.test\\.${host}`,
    ]),
    ...bad('W-OR-13', [
      'javascript:alert(document.domain)',
      'JaVaScRiPt:alert(1)',
      'java\nscript:alert(1)',
      '\njavascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
    ]),
    ...bad('W-OR-14', ['http://[2001:db8::1/', 'http://2001:db8::1]/', 'http:999999999']),
    ...bad('W-OR-15', ['https://ｅｖｉｌ.test']),
    ['W-OR-15', '/〱evil.test', 'same-origin'],
    ['W-OR-15', '/%E3%80%B1evil.test', 'same-origin'],
    ...bad('W-OR-18', ['/%0d%0aSet-Cookie:%20sid=attacker', '/%0d%0aLocation:%20https://evil.test']),
    ['W-OR-20', '/dashboard?tab=1#x', 'kept'],
    ['W-OR-20', '/view/?param=https://evil.test', 'kept'],
    ['W-OR-20', '/url%20with%20spaces/', 'kept'],
  ];
}

/** The §4.1 rule on a completed login's answer: a 303 whose Location stays on `origin`. */
function landsSafely(
  res: { statusCode: number; body: string; headers: Record<string, unknown> },
  origin: string,
  payload: string,
  expected: Expect,
) {
  expect(res.statusCode, res.body).toBe(303);
  const location = String(res.headers.location);
  const resolved = new URL(location, `${origin}/`);
  expect(resolved.origin).toBe(origin);
  expect(String(res.headers['set-cookie'] ?? '')).not.toContain('sid=attacker');
  if (expected === 'default') expect(location).toBe(`${origin}/`);
  if (expected === 'kept') expect(location).toBe(new URL(payload, origin).href);
}

describe('RFC 9700 §4.11: the OIDC login start ?next= (attacks.md §4.1 (a))', () => {
  let w: World;
  const jar = new CookieJar();
  beforeAll(async () => {
    w = await createWorld();
  });
  afterAll(() => w.close());

  /** A real login through the provider (one provider session, so only the first login sees its pages). */
  async function oidcLogin(next: string) {
    const start = await w.t.app.inject({
      method: 'GET',
      url: `/api/v1/auth/oidc/${w.name}/login/?next=${encodeURIComponent(next)}`,
    });
    expect(start.statusCode, start.body).toBe(302);
    const binding = start.cookies.find((c) => c.name.startsWith('drawbridge_oidc_'))!;
    const back = new URL(
      await authorizeAtProvider(start.headers.location as string, 'alice', w.callbackPrefix, jar),
    );
    return w.t.app.inject({
      method: 'GET',
      url: `${back.pathname}${back.search}`,
      headers: { cookie: `${binding.name}=${binding.value}` },
    });
  }

  it.each(payloads('http://drawbridge.test'))(
    'RFC 9700 §4.11: %s next=%j after a completed OIDC login lands on this instance (%s)',
    async (_id, payload, expected) => {
      landsSafely(await oidcLogin(payload), 'http://drawbridge.test', payload, expected);
    },
  );

  it('RFC 9700 §4.11: W-OR-17 a 100 KB next is refused at the start (400) and starts no login', async () => {
    const start = await w.t.app.inject({
      method: 'GET',
      url: `/api/v1/auth/oidc/${w.name}/login/?next=${encodeURIComponent(`/${'a'.repeat(100 * 1024)}`)}`,
      headers: { accept: 'application/json' },
    });
    expect(start.statusCode).toBe(400);
    expect(start.cookies.find((c) => c.name.startsWith('drawbridge_oidc_'))).toBeUndefined();
  });

  it('RFC 9700 §4.11: W-OR-16 a next chaining through the login start itself (…/login/?next=https://evil.test/) ends on this instance', async () => {
    const chained = `/api/v1/auth/oidc/${w.name}/login/?next=${encodeURIComponent('https://evil.test/')}`;
    const first = await oidcLogin(chained);
    expect(first.statusCode).toBe(303);
    const inner = new URL(String(first.headers.location));
    expect(inner.origin).toBe('http://drawbridge.test');
    // Following the chain: the inner start validates its own next, so the second login lands at home.
    const second = await oidcLogin(inner.searchParams.get('next')!);
    landsSafely(second, 'http://drawbridge.test', 'https://evil.test/', 'default');
  });
});

describe('SAML and password sign-in return paths (attacks.md §4.1 (a), (b), W-OR-19)', () => {
  let t: TestApp;
  let orgId: string;
  let counter = 0;
  let csrf: { token: string; cookie: string };
  let person: { email: string };

  beforeAll(async () => {
    ({ t, orgId } = await startSamlApp({}, { allowIdpInitiated: true }));
    person = await createPerson(t, orgId, 'member');
    const page = await t.app.inject({ method: 'GET', url: '/login' });
    const cookie = page.cookies.find((c) => c.name === 'drawbridge_csrf')!;
    csrf = {
      token: page.body.match(/name="csrf" value="([^"]+)"/)![1]!,
      cookie: `${cookie.name}=${cookie.value}`,
    };
  });
  afterAll(() => t.close());

  /** A signed response for alice (Response and Assertion signed), answering `requestId` or unsolicited. */
  function samlResponse(requestId: string | null): string {
    counter += 1;
    const now = Date.now();
    const parts = {
      responseId: `_r${counter}`,
      assertionId: `_a${counter}`,
      responseInResponseTo: requestId,
      scdInResponseTo: requestId,
      notBefore: now - 60_000,
      notOnOrAfter: now + 5 * 60_000,
      scdNotOnOrAfter: now + 5 * 60_000,
    };
    const xml = sign(sign(buildResponse(parts, undefined, now), 'Assertion'), 'Response');
    return Buffer.from(xml).toString('base64');
  }

  function acs(samlResponse: string, relayState: string | undefined, cookie?: string) {
    return t.app.inject({
      method: 'POST',
      url: `/api/v1/auth/saml/${NAME}/response/`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
      payload: new URLSearchParams({
        SAMLResponse: samlResponse,
        ...(relayState === undefined ? {} : { RelayState: relayState }),
      }).toString(),
    });
  }

  /** A password sign-in through the login form, with `next`. */
  function passwordLogin(next: string) {
    return t.app.inject({
      method: 'POST',
      url: '/login/password',
      headers: { cookie: csrf.cookie, origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        email: person.email,
        password: PASSWORD,
        next,
        csrf: csrf.token,
      }).toString(),
    });
  }

  /** An SP-initiated SAML login started with `next`, answered by the IdP with `relayState`. */
  async function spInitiated(next: string, relayState: (sent: string) => string) {
    const start = await t.app.inject({
      method: 'GET',
      url: `/api/v1/auth/saml/${NAME}/login/?next=${encodeURIComponent(next)}`,
    });
    expect(start.statusCode, start.body).toBe(302);
    const location = new URL(start.headers.location as string);
    const request = inflateRawSync(
      Buffer.from(location.searchParams.get('SAMLRequest')!, 'base64'),
    ).toString();
    const requestId = /ID="([^"]+)"/.exec(request)![1]!;
    const cookie = start.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    return acs(samlResponse(requestId), relayState(location.searchParams.get('RelayState')!), cookie);
  }

  it.each(payloads(ORIGIN))(
    'SAML Bindings §3.4.3: %s next=%j at the SAML login start lands on this instance after the signed answer (%s)',
    async (_id, payload, expected) => {
      landsSafely(await spInitiated(payload, (sent) => sent), ORIGIN, payload, expected);
    },
  );

  it.each(payloads(ORIGIN))(
    'SAML Bindings §3.4.3: %s RelayState=%j on an IdP-initiated response lands on this instance (%s) — attacks.md §4.1 (b)',
    async (_id, payload, expected) => {
      landsSafely(await acs(samlResponse(null), payload), ORIGIN, payload, expected);
    },
  );

  it.each(payloads(ORIGIN).filter(([, , e]) => e === 'default'))(
    "SAML Bindings §3.4.3: W-OR-19 the SP's opaque RelayState replaced on the way back by %s %j: the stored return path is used",
    async (_id, payload) => {
      landsSafely(await spInitiated('/after', () => payload), ORIGIN, '/after', 'kept');
    },
  );

  it("SAML Bindings §3.4.3: W-OR-19 another login's RelayState handle on the way back: this browser's stored return path is used", async () => {
    const other = await t.app.inject({
      method: 'GET',
      url: `/api/v1/auth/saml/${NAME}/login/?next=/elsewhere`,
    });
    const handle = new URL(other.headers.location as string).searchParams.get('RelayState')!;
    landsSafely(await spInitiated('/after', () => handle), ORIGIN, '/after', 'kept');
  });

  it('RFC 9700 §4.11: W-OR-17 a 100 KB return path is refused (400) at the SAML start, the ACS and the password form, and signs nobody in', async () => {
    const huge = `/${'a'.repeat(100 * 1024)}`;
    const answers = [
      await t.app.inject({
        method: 'GET',
        url: `/api/v1/auth/saml/${NAME}/login/?next=${encodeURIComponent(huge)}`,
      }),
      await acs(samlResponse(null), huge),
      await passwordLogin(huge),
    ];
    for (const res of answers) {
      expect(res.statusCode, res.body).toBe(400);
      expect(res.headers.location).toBeUndefined();
      expect(res.cookies.find((c) => c.name === t.config.SESSION_COOKIE_NAME)).toBeUndefined();
    }
  });

  it.each(payloads(ORIGIN))(
    'RFC 9700 §4.11: %s next=%j on the password form lands on this instance after sign-in (%s)',
    async (_id, payload, expected) => {
      const res = await passwordLogin(payload);
      landsSafely(res, ORIGIN, payload, expected);
    },
  );
});
