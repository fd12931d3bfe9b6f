/**
 * A SAML configuration's rules on the login itself, over HTTP: the required authentication
 * context is requested in the AuthnRequest and enforced at the ACS (S-SEM-38), a maximum age
 * refuses old assertions (S-SEM-35), and the session ends no later than the IdP's
 * SessionNotOnOrAfter (S-SEM-33, W-SES-11).
 */
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation } from '../support/actors.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { idpMetadata } from './http/idp-fixture.ts';
import { buildResponse, IDP_A, sign } from './response/support/builder.ts';
import { IDP_A_KEY } from './response/support/keys.ts';

const NAME = 'acme-okta';
const MFA = 'https://refeds.org/profile/mfa';
let t: TestApp;
let orgId: string;
let counter = 0;

/** An unsolicited response for alice, signed, issued `ageMs` ago, with the given AuthnStatement extras. */
function response(options: { ageMs?: number; classRef?: string; sessionNotOnOrAfter?: number } = {}): string {
  counter += 1;
  const now = Date.now();
  const issued = now - (options.ageMs ?? 0);
  const authnXml =
    `<saml:AuthnStatement AuthnInstant="${new Date(issued).toISOString()}" SessionIndex="_s${counter}"` +
    `${options.sessionNotOnOrAfter ? ` SessionNotOnOrAfter="${new Date(options.sessionNotOnOrAfter).toISOString()}"` : ''}>` +
    `<saml:AuthnContext><saml:AuthnContextClassRef>${options.classRef ?? 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport'}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`;
  const parts = {
    responseId: `_r${counter}`,
    assertionId: `_a${counter}`,
    responseInResponseTo: null,
    scdInResponseTo: null,
    notBefore: now - 60_000,
    notOnOrAfter: now + 5 * 60_000,
    scdNotOnOrAfter: now + 5 * 60_000,
    authnXml,
  };
  const xml = sign(sign(buildResponse(parts, undefined, issued), 'Assertion'), 'Response');
  return new URLSearchParams({ SAMLResponse: Buffer.from(xml).toString('base64') }).toString();
}

async function acs(body: string) {
  return t.app.inject({
    method: 'POST',
    url: `/api/v1/auth/saml/${NAME}/response/`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    payload: body,
  });
}

async function configure(fields: Record<string, unknown>) {
  const res = await t.app.inject({
    method: 'PATCH',
    url: `/api/v1/organisations/${orgId}/saml-configurations/${NAME}`,
    headers: t.admin,
    payload: fields,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as Record<string, unknown>;
}

beforeAll(async () => {
  t = await startTestApp('sqlite', { BASE_URL: 'https://sp.test', SAML_ACS_RATE_LIMIT_PER_MINUTE: '1000' });
  orgId = (await createOrganisation(t)).id;
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/v1/organisations/${orgId}/saml-configurations`,
    headers: t.admin,
    payload: {
      name: NAME,
      allowIdpInitiated: true,
      idpMetadataXml: idpMetadata(IDP_A, 'https://idp-a.test/sso', [IDP_A_KEY.certPem]),
    },
  });
  expect(res.statusCode, res.body).toBe(201);
});
afterAll(() => t.close());

describe('SAML login rules per configuration', () => {
  it('requests the required context in the AuthnRequest (Core 3.3.2.2.1) and refuses a login without it (S-SEM-38)', async () => {
    expect(await configure({ requiredAuthnContexts: [MFA] })).toMatchObject({ requiredAuthnContexts: [MFA] });
    const start = await t.app.inject({ method: 'GET', url: `/api/v1/auth/saml/${NAME}/login/` });
    const request = inflateRawSync(
      Buffer.from(new URL(start.headers.location as string).searchParams.get('SAMLRequest')!, 'base64'),
    ).toString();
    expect(request).toContain(
      `<samlp:RequestedAuthnContext Comparison="exact"><saml:AuthnContextClassRef>${MFA}</saml:AuthnContextClassRef></samlp:RequestedAuthnContext>`,
    );
    const refused = await acs(response());
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.code).toBe('saml_authn_context_insufficient');
    expect((await acs(response({ classRef: MFA }))).statusCode).toBe(303);
    await configure({ requiredAuthnContexts: [] });
  });

  it('refuses an assertion older than maxAssertionAgeSeconds (S-SEM-35)', async () => {
    await configure({ maxAssertionAgeSeconds: 300 });
    const old = await acs(response({ ageMs: 20 * 60_000 }));
    expect(old.statusCode).toBe(400);
    expect(old.json().error.code).toBe('saml_assertion_too_old');
    expect((await acs(response({ ageMs: 60_000 }))).statusCode).toBe(303);
    await configure({ maxAssertionAgeSeconds: null });
  });

  it("ends the session no later than the IdP's SessionNotOnOrAfter (W-SES-11)", async () => {
    const limit = Date.now() + 10 * 60_000;
    const res = await acs(response({ sessionNotOnOrAfter: limit }));
    expect(res.statusCode, res.body).toBe(303);
    const cookie = res.cookies.find((c) => c.name === t.config.SESSION_COOKIE_NAME)!;
    const expires = cookie.expires ? cookie.expires.getTime() : Date.now() + (cookie.maxAge ?? 0) * 1000;
    expect(expires).toBeLessThanOrEqual(limit + 1000);
    const me = await t.app.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: { cookie: `${cookie.name}=${cookie.value}` },
    });
    expect(me.statusCode).toBe(200);
  });
});
