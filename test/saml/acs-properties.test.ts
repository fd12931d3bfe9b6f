/**
 * fast-check at the ACS: random bodies and random mutations of a valid signed response never
 * produce a 500, and never a session for anyone but the person the IdP signed for.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation } from '../support/actors.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { idpMetadata } from './http/idp-fixture.ts';
import { buildResponse, IDP_A, sign } from './response/support/builder.ts';
import { IDP_A_KEY } from './response/support/keys.ts';

const NAME = 'acme-okta';
let t: TestApp;
let counter = 0;

/** A valid, unsolicited response for alice, signed (Response and Assertion) for this instant. */
function validResponse(): string {
  counter += 1;
  const now = Date.now();
  const parts = {
    responseId: `_r${counter}`,
    assertionId: `_a${counter}`,
    responseInResponseTo: null,
    scdInResponseTo: null,
  };
  return sign(sign(buildResponse(parts, undefined, now), 'Assertion'), 'Response');
}

async function post(body: string, contentType = 'application/x-www-form-urlencoded') {
  return t.app.inject({
    method: 'POST',
    url: `/api/v1/auth/saml/${NAME}/response/`,
    headers: { 'content-type': contentType, accept: 'application/json' },
    payload: body,
  });
}

function outcome(res: Awaited<ReturnType<typeof post>>): 'session' | 'refused' {
  expect(res.statusCode, res.body).toBeLessThan(500);
  const session = res.cookies.find((c) => c.name === 'drawbridge_session' && c.value !== '');
  if (res.statusCode === 303) {
    expect(session).toBeDefined();
    return 'session';
  }
  expect(res.statusCode).toBeGreaterThanOrEqual(400);
  expect(session).toBeUndefined();
  expect(res.json().error.code).toMatch(/^[a-z][a-z0-9_]*$/);
  return 'refused';
}

beforeAll(async () => {
  // The ACS rate limit would answer most of these 429 before the validator saw them.
  t = await startTestApp('sqlite', {
    BASE_URL: 'https://sp.test',
    SAML_ACS_RATE_LIMIT_PER_MINUTE: '1000000',
  });
  const org = await createOrganisation(t);
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/v1/organisations/${org.id}/saml-configurations`,
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

describe('the ACS under random input (fast-check)', () => {
  it('accepts the unmutated response once (positive control)', async () => {
    const res = await post(
      new URLSearchParams({ SAMLResponse: Buffer.from(validResponse()).toString('base64') }).toString(),
    );
    expect(outcome(res)).toBe('session');
  });

  it("refuses a valid response when the organisation's login policy does not allow SAML, then accepts once it does", async () => {
    const org = (await t.store.samlConfigurations.getByName(NAME))!.organisationId;
    const policy = (methods: string[]) =>
      t.app.inject({
        method: 'PATCH',
        url: `/api/v1/organisations/${org}/login-policy`,
        headers: t.admin,
        payload: { allowedLoginMethods: methods },
      });
    expect((await policy(['password', 'oidc'])).statusCode).toBe(200);
    const body = () =>
      new URLSearchParams({ SAMLResponse: Buffer.from(validResponse()).toString('base64') }).toString();
    const refused = await post(body());
    expect(outcome(refused)).toBe('refused');
    expect(refused.json().error.code).toBe('identity_login_method_not_allowed');
    expect((await policy(['password', 'saml', 'oidc'])).statusCode).toBe(200);
    expect(outcome(await post(body()))).toBe('session');
  });

  it('random SAMLResponse values and random form bodies are refused with a code, never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string().map((s) => new URLSearchParams({ SAMLResponse: s }).toString()),
          fc
            .string()
            .map((s) => new URLSearchParams({ SAMLResponse: Buffer.from(s).toString('base64') }).toString()),
          fc.string(),
        ),
        async (body) => {
          expect(outcome(await post(body))).toBe('refused');
        },
      ),
      { numRuns: 150 },
    );
  });

  it('mutated signed responses never log anyone in but the signed person', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          kind: fc.constantFrom('flip', 'delete', 'duplicate', 'insert'),
          at: fc.double({ min: 0, max: 1, noNaN: true }),
          length: fc.integer({ min: 1, max: 200 }),
          text: fc.constantFrom('<!--x-->', 'bob', '<saml:Assertion/>', '"', '&amp;', '<?pi x?>', ' '),
        }),
        async ({ kind, at, length, text }) => {
          const xml = validResponse();
          const i = Math.floor(at * xml.length);
          const mutated =
            kind === 'flip'
              ? xml.slice(0, i) + String.fromCharCode(xml.charCodeAt(i) ^ 1) + xml.slice(i + 1)
              : kind === 'delete'
                ? xml.slice(0, i) + xml.slice(i + length)
                : kind === 'duplicate'
                  ? xml.slice(0, i + length) + xml.slice(i, i + length) + xml.slice(i + length)
                  : xml.slice(0, i) + text + xml.slice(i);
          const res = await post(
            new URLSearchParams({ SAMLResponse: Buffer.from(mutated).toString('base64') }).toString(),
          );
          if (outcome(res) === 'session') {
            const me = await t.app.inject({
              method: 'GET',
              url: '/api/v1/auth/me',
              headers: {
                cookie: `drawbridge_session=${res.cookies.find((c) => c.name === 'drawbridge_session')!.value}`,
              },
            });
            expect(me.json().email).toBe('alice@orga.test');
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
