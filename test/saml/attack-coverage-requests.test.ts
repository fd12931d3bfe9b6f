/**
 * attacks.md §1.8 cases that only the ACS can decide, over real HTTP (Fastify inject) on a real
 * SQLite file: pairing InResponseTo with a pending request of this configuration that is still
 * open (S-SEM-17, S-SEM-19, S-SEM-21), and the assertion-ID replay cache (S-SEM-22, S-SEM-23).
 * The validator tests (test/saml/response/) can only hand `inResponseTo` and `assertionId` to the
 * caller; these prove the caller refuses with the documented code and starts no session.
 */
import { inflateRawSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PENDING_LOGIN_SECONDS } from '../../src/sso/saml-flow.ts';
import { createOrganisation } from '../support/actors.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { idpMetadata } from './http/idp-fixture.ts';
import { buildResponse, IDP_A, mutate, type Parts, sign } from './response/support/builder.ts';
import { IDP_A_KEY } from './response/support/keys.ts';

const ORIGIN = 'https://sp.test';
/** Configuration A: SP-initiated only (the default). Its URLs are the builder's ACS_A and SP_ENTITY_A. */
const A = 'acme-okta';
/** Another configuration of the same organisation and IdP, for request ids that belong to it. */
const B = 'acme-okta-eu';
/** Configuration A's twin that allows IdP-initiated logins, where replay is not stopped by InResponseTo. */
const OPEN = 'acme-okta-open';
const MINUTE = 60_000;

let t: TestApp;
let counter = 0;

const urls = (name: string) => ({
  destination: `${ORIGIN}/api/v1/auth/saml/${name}/response/`,
  recipient: `${ORIGIN}/api/v1/auth/saml/${name}/response/`,
  audiences: [`${ORIGIN}/api/v1/auth/saml/${name}/metadata/`],
});

/** The attacks.md §0.2 baseline for `name`, issued at `now`, answering `requestId` (null: unsolicited). */
function parts(name: string, requestId: string | null, now: number): Partial<Parts> {
  counter += 1;
  return {
    ...urls(name),
    responseId: `_r${counter}`,
    assertionId: `_a${counter}`,
    responseInResponseTo: requestId,
    scdInResponseTo: requestId,
    notBefore: now - MINUTE,
    notOnOrAfter: now + 5 * MINUTE,
    scdNotOnOrAfter: now + 5 * MINUTE,
  };
}

/** Variant RA (Response and Assertion signed by IdP A). */
function signedRA(name: string, requestId: string | null, now = Date.now()): string {
  return sign(sign(buildResponse(parts(name, requestId, now), undefined, now), 'Assertion'), 'Response');
}

/** Variant A (only the Assertion signed: the Response envelope, its ID included, is the sender's). */
function signedA(name: string, requestId: string | null, now = Date.now()): string {
  return sign(buildResponse(parts(name, requestId, now), undefined, now), 'Assertion');
}

/** GET …/login/: the AuthnRequest ID and the browser-binding cookie of this login. */
async function startLogin(name: string): Promise<{ requestId: string; cookie: string }> {
  const start = await t.app.inject({ method: 'GET', url: `/api/v1/auth/saml/${name}/login/?next=/home` });
  expect(start.statusCode, start.body).toBe(302);
  const request = inflateRawSync(
    Buffer.from(new URL(start.headers.location as string).searchParams.get('SAMLRequest')!, 'base64'),
  ).toString();
  const cookie = start.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  return { requestId: /\bID="([^"]+)"/.exec(request)![1]!, cookie };
}

function acs(name: string, xml: string, cookie?: string) {
  return t.app.inject({
    method: 'POST',
    url: `/api/v1/auth/saml/${name}/response/`,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      ...(cookie ? { cookie } : {}),
    },
    payload: new URLSearchParams({ SAMLResponse: Buffer.from(xml).toString('base64') }).toString(),
  });
}

type Answer = Awaited<ReturnType<typeof acs>>;

const sessionOf = (res: Answer) =>
  res.cookies.find((c) => c.name === t.config.SESSION_COOKIE_NAME && c.value !== '');

/** attacks.md §0.3 REJECT: a 4xx with the documented code, and no session cookie. */
function expectRefused(res: Answer, code: string, status = 400) {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.json().error.code).toBe(code);
  expect(sessionOf(res)).toBeUndefined();
}

/** attacks.md §0.3 ACCEPT: a 303 with a session for alice@orga.test. */
async function expectSignedInAsAlice(res: Answer) {
  expect(res.statusCode, res.body).toBe(303);
  const session = sessionOf(res);
  expect(session).toBeDefined();
  const me = await t.app.inject({
    method: 'GET',
    url: '/api/v1/auth/me',
    headers: { cookie: `${session!.name}=${session!.value}` },
  });
  expect(me.json().email).toBe('alice@orga.test');
}

beforeAll(async () => {
  t = await startTestApp('sqlite', {
    BASE_URL: ORIGIN,
    SAML_ACS_RATE_LIMIT_PER_MINUTE: '1000',
    SSO_LOGIN_START_RATE_LIMIT_PER_MINUTE: '1000',
  });
  const org = await createOrganisation(t);
  for (const [name, allowIdpInitiated] of [
    [A, false],
    [B, false],
    [OPEN, true],
  ] as const) {
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/organisations/${org.id}/saml-configurations`,
      headers: t.admin,
      payload: {
        name,
        allowIdpInitiated,
        idpMetadataXml: idpMetadata(IDP_A, 'https://idp-a.test/sso', [IDP_A_KEY.certPem]),
      },
    });
    expect(res.statusCode, res.body).toBe(201);
  }
});
afterAll(() => t.close());
afterEach(() => {
  vi.useRealTimers();
});

describe('SAML Profiles §4.1.4.3 InResponseTo: the response must answer an open request of this configuration', () => {
  it('S-BASE-1 positive control: an RA response to the request this browser started is accepted once, as alice', async () => {
    const { requestId, cookie } = await startLogin(A);
    await expectSignedInAsAlice(await acs(A, signedRA(A, requestId), cookie));
  });

  it('SAML Profiles §4.1.4.3: an InResponseTo the SP never issued is refused (saml_request_unknown) and starts no session — S-SEM-17', async () => {
    const { cookie } = await startLogin(A);
    expectRefused(await acs(A, signedRA(A, '_never_issued'), cookie), 'saml_request_unknown');
  });

  it("SAML Profiles §4.1.4.3: an InResponseTo of another configuration's request is refused (saml_request_wrong_configuration) and starts no session — S-SEM-19", async () => {
    // The request was started at B in this very browser; the signed answer is addressed to A.
    const { requestId, cookie } = await startLogin(B);
    expectRefused(await acs(A, signedRA(A, requestId), cookie), 'saml_request_wrong_configuration');
  });

  it(`SAML Profiles §4.1.4.3: a response to a request older than ${PENDING_LOGIN_SECONDS} s is refused (saml_request_expired) and starts no session; a younger one is accepted — S-SEM-21`, async () => {
    const now = Date.now();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(now - PENDING_LOGIN_SECONDS * 1000 - 1000);
    const stale = await startLogin(A);
    vi.setSystemTime(now - PENDING_LOGIN_SECONDS * 1000 + 5000);
    const fresh = await startLogin(A);
    vi.setSystemTime(now);
    // Both answers are themselves fresh: only the age of the request differs.
    expectRefused(await acs(A, signedRA(A, stale.requestId, now), stale.cookie), 'saml_request_expired');
    await expectSignedInAsAlice(await acs(A, signedRA(A, fresh.requestId, now), fresh.cookie));
  });
});

describe('SAML Profiles §4.1.4.5 one-time use of a bearer assertion (replay cache)', () => {
  it('SAML Profiles §4.1.4.5: an accepted IdP-initiated assertion posted again from a cookie-less client is refused (saml_replay_detected) and starts no session — S-SEM-22', async () => {
    const xml = signedRA(OPEN, null);
    await expectSignedInAsAlice(await acs(OPEN, xml));
    expectRefused(await acs(OPEN, xml), 'saml_replay_detected');
  });

  it('SAML Profiles §4.1.4.5: the same signed assertion in a Response whose unsigned ID was changed is refused (saml_replay_detected) — S-SEM-23', async () => {
    const xml = signedA(OPEN, null);
    await expectSignedInAsAlice(await acs(OPEN, xml));
    const renamed = mutate(xml, (doc) => doc.documentElement!.setAttribute('ID', '_fresh_response_id'));
    expect(renamed).not.toBe(xml);
    expectRefused(await acs(OPEN, renamed), 'saml_replay_detected');
  });

  it('SAML Profiles §4.1.4.5: an SP-initiated assertion replayed with its request cookie is refused (saml_request_unknown: the request was used up) — S-SEM-22', async () => {
    const { requestId, cookie } = await startLogin(A);
    const xml = signedRA(A, requestId);
    await expectSignedInAsAlice(await acs(A, xml, cookie));
    expectRefused(await acs(A, xml, cookie), 'saml_request_unknown');
  });
});
