/**
 * A SAML deployment for HTTP-level tests (the attack-coverage files of test/http, test/saml and
 * test/sso): an instance at https://sp.test with the configuration `acme-okta` trusting IDP_A
 * (the §0.1 actors of test/saml/response/support/builder.ts), signed responses for any person, and the two browser
 * steps (start an SP-initiated login, post to the ACS) as real HTTP through `inject`.
 */
import { randomBytes } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { expect } from 'vitest';
import { createOrganisation } from '../../support/actors.ts';
import { startTestApp, type TestApp } from '../../support/app.ts';
import { buildResponse, EMAIL_FORMAT, IDP_A, type Parts, sign } from '../response/support/builder.ts';
import { IDP_A_KEY } from '../response/support/keys.ts';
import { idpMetadata } from './idp-fixture.ts';

export const ORIGIN = 'https://sp.test';
export const NAME = 'acme-okta';
export const ACS_PATH = `/api/v1/auth/saml/${NAME}/response/`;

export interface SamlApp {
  t: TestApp;
  orgId: string;
}

/** An instance at ORIGIN with `acme-okta` (IDP_A's metadata); generous limits unless `env` says otherwise. */
export async function startSamlApp(
  env: Record<string, string> = {},
  options: { allowIdpInitiated?: boolean } = {},
): Promise<SamlApp> {
  const t = await startTestApp('sqlite', {
    BASE_URL: ORIGIN,
    SAML_ACS_RATE_LIMIT_PER_MINUTE: '100000',
    SSO_LOGIN_START_RATE_LIMIT_PER_MINUTE: '100000',
    ...env,
  });
  const orgId = (await createOrganisation(t)).id;
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/v1/organisations/${orgId}/saml-configurations`,
    headers: t.admin,
    payload: {
      name: NAME,
      allowIdpInitiated: options.allowIdpInitiated ?? false,
      idpMetadataXml: idpMetadata(IDP_A, 'https://idp-a.test/sso', [IDP_A_KEY.certPem]),
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return { t, orgId };
}

/**
 * A Response and Assertion signed by IDP_A for `email`, answering `requestId` (null: unsolicited),
 * built at the real clock, as XML; `parts` override the baseline (destination, recipient, ...).
 */
export function signedResponseXml(
  requestId: string | null,
  email = 'alice@orga.test',
  parts: Partial<Parts> = {},
): string {
  const now = Date.now();
  const id = randomBytes(8).toString('hex');
  const xml = buildResponse(
    {
      responseId: `_r${id}`,
      assertionId: `_a${id}`,
      responseInResponseTo: requestId,
      scdInResponseTo: requestId,
      notBefore: now - 60_000,
      notOnOrAfter: now + 5 * 60_000,
      scdNotOnOrAfter: now + 5 * 60_000,
      nameIdXml: `<saml:NameID Format="${EMAIL_FORMAT}">${email}</saml:NameID>`,
      attributes: [['email', [email]]],
      ...parts,
    },
    undefined,
    now,
  );
  return sign(sign(xml, 'Assertion'), 'Response');
}

/** signedResponseXml, base64-encoded as the HTTP-POST binding carries it. */
export function signedResponse(
  requestId: string | null,
  email = 'alice@orga.test',
  parts: Partial<Parts> = {},
): string {
  return Buffer.from(signedResponseXml(requestId, email, parts)).toString('base64');
}

/** POST the HTTP-POST binding form to the ACS (as the browser relays it from the IdP). */
export function postAcs(
  t: TestApp,
  samlResponse: string,
  options: { relayState?: string; headers?: Record<string, string>; path?: string } = {},
) {
  return t.app.inject({
    method: 'POST',
    url: options.path ?? ACS_PATH,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...options.headers },
    payload: new URLSearchParams({
      SAMLResponse: samlResponse,
      ...(options.relayState === undefined ? {} : { RelayState: options.relayState }),
    }).toString(),
  });
}

export interface StartedSamlLogin {
  /** The AuthnRequest's ID (what the answer's InResponseTo must name). */
  requestId: string;
  /** The AuthnRequest XML as the IdP receives it. */
  authnRequest: string;
  /** The opaque RelayState handle sent to the IdP. */
  relayState: string;
  /** The browser-binding cookie as a Cookie header value. */
  bindingCookie: string;
  res: Awaited<ReturnType<TestApp['app']['inject']>>;
}

/** GET the SP-initiated login start (HTTP-Redirect binding) and read what went to the IdP. */
export async function startSpLogin(
  t: TestApp,
  next = '/after',
  headers: Record<string, string> = {},
): Promise<StartedSamlLogin> {
  const res = await t.app.inject({
    method: 'GET',
    url: `/api/v1/auth/saml/${NAME}/login/?next=${encodeURIComponent(next)}`,
    headers,
  });
  expect(res.statusCode, res.body).toBe(302);
  const location = new URL(res.headers.location as string);
  const authnRequest = inflateRawSync(
    Buffer.from(location.searchParams.get('SAMLRequest')!, 'base64'),
  ).toString('utf8');
  const binding = res.cookies.find((c) => c.name.startsWith('drawbridge_saml_'))!;
  return {
    requestId: /ID="([^"]+)"/.exec(authnRequest)![1]!,
    authnRequest,
    relayState: location.searchParams.get('RelayState')!,
    bindingCookie: `${binding.name}=${binding.value}`,
    res,
  };
}

/** The session cookie an answer set (a non-empty value), if any. */
export function sessionSet(
  res: { cookies: Array<{ name: string; value: string }> },
  t: TestApp,
): string | undefined {
  const c = res.cookies.find((x) => x.name === t.config.SESSION_COOKIE_NAME && x.value !== '');
  return c?.value;
}

/** GET /auth/me with a session id: the status and, when signed in, the email. */
export async function whoIs(t: TestApp, sessionId: string): Promise<{ status: number; email?: string }> {
  const res = await t.app.inject({
    method: 'GET',
    url: '/api/v1/auth/me',
    headers: { cookie: `${t.config.SESSION_COOKIE_NAME}=${sessionId}` },
  });
  return res.statusCode === 200 ? { status: 200, email: res.json().email } : { status: res.statusCode };
}
