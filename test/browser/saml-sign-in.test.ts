/**
 * SP-initiated SAML sign-in in a real browser: Debian's Chromium (playwright-core), a listening
 * Drawbridge and SimpleSAMLphp, with its real login form and auto-POST page, on
 * http://127.0.0.1: another site. The IdP's page posts the SAMLResponse to the ACS from the IdP's
 * origin, as every browser does; the scripted client of test/interop/saml/ sends no Origin and
 * keeps every cookie, so only this test sees what a person's browser sends and keeps. Twice:
 * behind TLS on https://localhost, as deployed (the binding cookie is SameSite=None; Secure),
 * and on plain http://localhost, the documented default for a first try (the binding cookie has
 * no SameSite attribute: an explicit SameSite=Lax one was never sent on that POST). And
 * IdP-initiated (SimpleSAMLphp's own start), in a browser holding a binding cookie, the one kind
 * of Drawbridge cookie that goes with the IdP's cross-site POST.
 */
import { type Browser, chromium, type Page, type Request, type Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../interop/saml/common.ts';
import { type RunningIdp, type SpDescription, startSimpleSamlPhp } from '../interop/saml/index.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { startTlsFront, type TlsFront } from './tls-front.ts';
import { CHROMIUM } from './world.ts';

const NAME = 'initech-saml';
const NEXT = '/somewhere';

let browser: Browser;
beforeAll(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});
afterAll(() => browser?.close());

interface Deployment {
  t: TestApp;
  base: string;
  idp: RunningIdp;
  sp: SpDescription;
  /** The configuration's admin URL, for PATCH with `t.admin`. */
  configuration: string;
  close(): Promise<void>;
}

/** Drawbridge at `scheme`://localhost (https through a TLS front) with NAME trusting a fresh SimpleSAMLphp. */
async function deploy(scheme: 'https' | 'http'): Promise<Deployment> {
  const port = await freePort();
  const base = `${scheme}://localhost:${port}`;
  const t = await startTestApp('sqlite', { BASE_URL: base, DRAWBRIDGE_ALLOW_PRIVATE_IDP_URLS: 'true' });
  let front: TlsFront | undefined;
  if (scheme === 'https') {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    front = await startTlsFront(port, (t.app.server.address() as { port: number }).port);
  } else {
    await t.app.listen({ port, host: '127.0.0.1' });
  }
  const org = await t.app.inject({
    method: 'POST',
    url: '/api/v1/organisations',
    headers: t.admin,
    payload: { name: 'Initech', slug: 'initech' },
  });
  expect(org.statusCode, org.body).toBe(201);
  const configurations = `/api/v1/organisations/${org.json().id}/saml-configurations`;
  const created = await t.app.inject({
    method: 'POST',
    url: configurations,
    headers: t.admin,
    payload: { name: NAME },
  });
  expect(created.statusCode, created.body).toBe(201);
  const metadata = await t.app.inject({ method: 'GET', url: `/api/v1/auth/saml/${NAME}/metadata/` });
  const sp = { entityId: created.json().entityId, acsUrl: created.json().acsUrl, metadataXml: metadata.body };
  const idp = await startSimpleSamlPhp({ sp });
  const trusted = await t.app.inject({
    method: 'PATCH',
    url: `${configurations}/${NAME}`,
    headers: t.admin,
    payload: { idpMetadataXml: idp.metadataXml },
  });
  expect(trusted.statusCode, trusted.body).toBe(200);
  return {
    t,
    base,
    idp,
    sp,
    configuration: `${configurations}/${NAME}`,
    async close() {
      await idp.stop();
      await front?.close();
      await t.close();
    },
  };
}

/** Every POST `page` makes to the ACS, and the answer to the first; watched from now on. */
function watchAcs(page: Page, acsUrl: string): { posts: Request[]; answer: Promise<Response> } {
  const isAcsPost = (r: Request) => r.method() === 'POST' && r.url() === acsUrl;
  const posts: Request[] = [];
  page.on('request', (r) => {
    if (isAcsPost(r)) posts.push(r);
  });
  return { posts, answer: page.waitForResponse((r) => isAcsPost(r.request())) };
}

/**
 * The IdP's page made one POST to the ACS, from its own origin, carrying the binding cookie
 * (what made the old CSRF hook refuse it: a cookie-carrying cross-origin POST); the ACS answered
 * 303 and the person landed on NEXT, signed in as alice.
 */
async function expectCrossSiteSignIn(page: Page, d: Deployment, acs: ReturnType<typeof watchAcs>) {
  const answer = await acs.answer;
  expect(acs.posts).toHaveLength(1);
  const sent = await acs.posts[0]!.allHeaders();
  expect(sent.origin, 'the browser sent no Origin on the ACS POST').toBeDefined();
  expect(sent.origin).not.toBe(d.base);
  expect(sent.cookie).toMatch(/(^|; )drawbridge_saml_/);
  expect(answer.status(), answer.status() === 303 ? '' : await answer.text()).toBe(303);
  await page.waitForURL(`${d.base}${NEXT}`);
  const me = await page.evaluate(
    `fetch('/api/v1/auth/me').then(async (r) => ({ status: r.status, body: await r.json() }))`,
  );
  expect(me).toMatchObject({ status: 200, body: { email: 'alice@example.test' } });
}

describe.each(['https', 'http'] as const)(
  'SAML Bindings §3.5 HTTP-POST binding in Chromium, SP- and IdP-initiated (%s)',
  (scheme) => {
    let d: Deployment;
    beforeAll(async () => {
      d = await deploy(scheme);
    });
    afterAll(() => d?.close());

    it('SAML Bindings §3.5.5: the IdP page posts the response to the ACS from its own origin with the binding cookie, and the person lands on next, signed in (not csrf_origin_mismatch)', async () => {
      expect(d.sp.acsUrl).toBe(`${d.base}/api/v1/auth/saml/${NAME}/response/`);
      // The front's certificate is self-signed.
      const page = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage();
      const acs = watchAcs(page, d.sp.acsUrl);

      await page.goto(`${d.base}/api/v1/auth/saml/${NAME}/login/?next=${encodeURIComponent(NEXT)}`);
      await page.waitForURL(`${d.idp.baseUrl}/**`);
      await page.getByLabel('Username').fill('alice');
      await page.getByLabel('Password').fill('alicepass');
      await page.getByRole('button', { name: 'Login' }).click();

      // SimpleSAMLphp's post.js submits its form on load: the browser, not the test, posts.
      await expectCrossSiteSignIn(page, d, acs);
    });

    it('SAML Profiles §4.1.5 (unsolicited responses): an IdP-initiated answer posted by the IdP page, in a browser already holding a Drawbridge cookie, signs the person in and lands on RelayState (not csrf_origin_mismatch)', async () => {
      const allow = async (allowIdpInitiated: boolean) => {
        const r = await d.t.app.inject({
          method: 'PATCH',
          url: d.configuration,
          headers: d.t.admin,
          payload: { allowIdpInitiated },
        });
        expect(r.statusCode, r.body).toBe(200);
      };
      await allow(true);
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      try {
        const page = await context.newPage();

        // A Drawbridge cookie the browser sends on a cross-site POST: the binding cookie of a
        // sign-in started here and left at the IdP's form (drawbridge_csrf is SameSite=Strict
        // and the session cookie Lax: neither goes with the IdP's POST, so neither would do).
        await page.goto(`${d.base}/api/v1/auth/saml/${NAME}/login/`);
        await page.waitForURL(`${d.idp.baseUrl}/**`);
        const held = await context.cookies(d.sp.acsUrl);
        expect(held.map((c) => c.name)).toContainEqual(expect.stringMatching(/^drawbridge_saml_/));

        // The IdP's own start, for Drawbridge's entity ID: a response that answers no request.
        const acs = watchAcs(page, d.sp.acsUrl);
        await page.goto(d.idp.idpInitiatedUrl(d.sp.entityId, NEXT));
        await page.getByLabel('Username').fill('alice');
        await page.getByLabel('Password').fill('alicepass');
        await page.getByRole('button', { name: 'Login' }).click();

        await expectCrossSiteSignIn(page, d, acs);
      } finally {
        await context.close();
        await allow(false);
      }
    });
  },
);
