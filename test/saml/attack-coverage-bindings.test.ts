/**
 * attacks.md §1.8 S-SEM-37 and §1.10 S-DOS-5 / S-DOS-7 at the HTTP edge (Fastify inject, real
 * SQLite file): the ACS speaks the HTTP-POST binding only (SAML Profiles §4.1.2; a GET is 405),
 * never inflates anything, and refuses an oversized SAMLResponse with 413
 * (saml_response_too_large, with a login trace) before reading it. The validator's own tests
 * (test/saml/response/xml.test.ts) cover the same inputs without HTTP; these prove the route
 * answers 4xx with no session and leaves the response unused.
 */
import { deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app.ts';
import { ACS_PATH, NAME, signedResponseXml, startSamlApp } from './http/saml-app.ts';
import { NS_ASSERTION, NS_PROTOCOL } from './response/support/builder.ts';

// Configuration NAME allows IdP-initiated logins, so a response is valid without a pending request.

let t: TestApp;
let orgId: string;

function postForm(fields: Record<string, string>) {
  return t.app.inject({
    method: 'POST',
    url: ACS_PATH,
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    payload: new URLSearchParams(fields).toString(),
  });
}

type Answer = Awaited<ReturnType<typeof postForm>>;

const sessionOf = (res: Answer) =>
  res.cookies.find((c) => c.name === t.config.SESSION_COOKIE_NAME && c.value !== '');

function expectNoSession(res: Answer, status: number) {
  expect(res.statusCode, res.body).toBe(status);
  expect(sessionOf(res)).toBeUndefined();
  expect(res.headers.location).toBeUndefined();
}

/** SAML Bindings §3.4.4.1: raw DEFLATE, then base64 (what an HTTP-Redirect message carries). */
const redirectEncoded = (bytes: Buffer) => deflateRawSync(bytes, { level: 9 }).toString('base64');

beforeAll(async () => {
  ({ t, orgId } = await startSamlApp({}, { allowIdpInitiated: true }));
});
afterAll(() => t.close());

describe('SAML Profiles §4.1.2: the ACS accepts a <Response> on the HTTP-POST binding only', () => {
  it('S-SEM-37: a valid response sent on the HTTP-Redirect binding (GET, DEFLATE + base64 in the query) is refused with 405 method_not_allowed (Allow: POST), no session, and is left unused', async () => {
    const xml = signedResponseXml(null);
    const query = new URLSearchParams({
      SAMLResponse: redirectEncoded(Buffer.from(xml)),
      RelayState: '/after',
    });
    const res = await t.app.inject({
      method: 'GET',
      url: `${ACS_PATH}?${query}`,
      headers: { accept: 'application/json' },
    });
    expectNoSession(res, 405);
    expect(res.headers.allow).toBe('POST');
    expect(res.json().error.code).toBe('method_not_allowed');
    // Nothing was read: the same response, now on HTTP-POST, is accepted (not a replay).
    const posted = await postForm({ SAMLResponse: Buffer.from(xml).toString('base64') });
    expect(posted.statusCode, posted.body).toBe(303);
    expect(sessionOf(posted)).toBeDefined();
  });
});

describe('SAML Bindings §3.4.4.1 / §3.5.4: no inflation and bounded sizes at the ACS (attacks.md §1.10)', () => {
  it('S-DOS-7: a 64 MiB DEFLATE bomb is refused, on GET (405) and on POST as SAMLResponse (saml_xml_malformed, 400, never inflated), with no session', async () => {
    const head = `<samlp:LogoutRequest xmlns:samlp="${NS_PROTOCOL}" xmlns:saml="${NS_ASSERTION}" ID="_b1" Version="2.0" IssueInstant="2025-06-02T10:00:00Z"><saml:Issuer>`;
    const body = Buffer.alloc(64 * 1024 * 1024, 'A');
    const bomb = redirectEncoded(
      Buffer.concat([Buffer.from(head), body, Buffer.from('</saml:Issuer></samlp:LogoutRequest>')]),
    );
    // The bomb is small on the wire (well under the ACS body limit); only inflating would make it big.
    expect(bomb.length).toBeLessThan(200 * 1024);
    for (const field of ['SAMLRequest', 'SAMLResponse']) {
      const res = await t.app.inject({
        method: 'GET',
        url: `${ACS_PATH}?${new URLSearchParams({ [field]: bomb })}`,
        headers: { accept: 'application/json' },
      });
      expectNoSession(res, 405);
    }
    const posted = await postForm({ SAMLResponse: bomb });
    expectNoSession(posted, 400);
    expect(posted.json().error.code).toBe('saml_xml_malformed');
  });

  it('S-DOS-5: a SAMLResponse whose decoded XML passes 256 KiB, inside the body limit, is refused (saml_response_too_large, 413) with no session', async () => {
    const padded = signedResponseXml(null).replace(
      '</samlp:Response>',
      `<!--${'x'.repeat(270 * 1024)}--></samlp:Response>`,
    );
    const encoded = Buffer.from(padded).toString('base64');
    expect(encoded.length).toBeLessThan(400 * 1024);
    const res = await postForm({ SAMLResponse: encoded });
    expectNoSession(res, 413);
    expect(res.json().error.code).toBe('saml_response_too_large');
  });

  it('S-DOS-5: a 10 MB SAMLResponse is refused before it is read (saml_response_too_large, 413) with no session, and leaves a login trace', async () => {
    const res = await postForm({ SAMLResponse: 'A'.repeat(10 * 1024 * 1024) });
    expectNoSession(res, 413);
    expect(res.json().error.code).toBe('saml_response_too_large');
    const [trace] = (await t.store.loginTraces.list(orgId, { limit: 1 })).items;
    expect(trace).toMatchObject({ outcome: 'failure', code: 'saml_response_too_large', configuration: NAME });
    expect(res.json().error.reference).toBe(trace!.id);
  });
});
