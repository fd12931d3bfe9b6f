/**
 * attacks.md §1.9 multi-tenant isolation and the configuration-level cases of §1.1 and §1.5, over
 * real HTTP (Fastify inject) on a real SQLite file: two organisations, each with its own IdP, a
 * third configuration that pins IdP A's certificate, a disabled one and one without metadata.
 * Every refusal is checked for its documented code and for the absence of a session; the
 * positive controls prove the refused responses differ from accepted ones only in the attack.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation } from '../support/actors.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { idpMetadata } from './http/idp-fixture.ts';
import {
  ACS_A,
  buildResponse,
  EMAIL_FORMAT,
  IDP_A,
  IDP_B,
  type Parts,
  SP_ENTITY_A,
  sign,
} from './response/support/builder.ts';
import { IDP_A_KEY, IDP_B_KEY, type TestIdentity } from './response/support/keys.ts';

const ORIGIN = 'https://sp.test';
const MINUTE = 60_000;
/** ORG_A's configuration: IdP A. Its URLs are the builder's ACS_A and SP_ENTITY_A. */
const A = 'acme-okta';
/** ORG_B's configuration: IdP B. */
const B = 'globex-okta';
/** ORG_B's second configuration, registered with IdP A's entity ID and certificate (S-MT-3). */
const SHARED = 'globex-shared';

let t: TestApp;
let orgA: { id: string };
let orgB: { id: string };
let counter = 0;

const acsOf = (name: string) => `${ORIGIN}/api/v1/auth/saml/${name}/response/`;
const entityOf = (name: string) => `${ORIGIN}/api/v1/auth/saml/${name}/metadata/`;

/** A fresh, unsolicited response for `email` to configuration `name`, signed by `key` (RA, or A only). */
function response(
  name: string,
  email: string,
  o: { issuer?: string; key?: TestIdentity; extra?: Partial<Parts>; variant?: 'RA' | 'A' } = {},
): string {
  counter += 1;
  const now = Date.now();
  const parts: Partial<Parts> = {
    responseId: `_r${counter}`,
    assertionId: `_a${counter}`,
    responseInResponseTo: null,
    scdInResponseTo: null,
    destination: acsOf(name),
    recipient: acsOf(name),
    audiences: [entityOf(name)],
    responseIssuer: o.issuer ?? IDP_A,
    issuer: o.issuer ?? IDP_A,
    notBefore: now - MINUTE,
    notOnOrAfter: now + 5 * MINUTE,
    scdNotOnOrAfter: now + 5 * MINUTE,
    nameIdXml: `<saml:NameID Format="${EMAIL_FORMAT}">${email}</saml:NameID>`,
    attributes: [['email', [email]]],
    ...o.extra,
  };
  const key = { key: o.key ?? IDP_A_KEY };
  const assertionSigned = sign(buildResponse(parts, undefined, now), 'Assertion', key);
  return o.variant === 'A' ? assertionSigned : sign(assertionSigned, 'Response', key);
}

function acs(url: string, xml: string) {
  return t.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    payload: new URLSearchParams({ SAMLResponse: Buffer.from(xml).toString('base64') }).toString(),
  });
}
const post = (name: string, xml: string) => acs(`/api/v1/auth/saml/${name}/response/`, xml);

type Answer = Awaited<ReturnType<typeof acs>>;

const sessionOf = (res: Answer) =>
  res.cookies.find((c) => c.name === t.config.SESSION_COOKIE_NAME && c.value !== '');

function expectRefused(res: Answer, code: string, status: number) {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.json().error.code).toBe(code);
  expect(sessionOf(res)).toBeUndefined();
}

/** The person an accepted response signed in (303 + session), as /api/v1/auth/me shows them. */
async function signedIn(res: Answer): Promise<{ id: string; email: string; organisation: { id: string } }> {
  expect(res.statusCode, res.body).toBe(303);
  const session = sessionOf(res);
  expect(session).toBeDefined();
  const me = await t.app.inject({
    method: 'GET',
    url: '/api/v1/auth/me',
    headers: { cookie: `${session!.name}=${session!.value}` },
  });
  expect(me.statusCode).toBe(200);
  return me.json();
}

async function createConfiguration(orgId: string, name: string, fields: Record<string, unknown>) {
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/v1/organisations/${orgId}/saml-configurations`,
    headers: t.admin,
    payload: { name, allowIdpInitiated: true, ...fields },
  });
  expect(res.statusCode, res.body).toBe(201);
}

async function patchConfiguration(orgId: string, name: string, fields: Record<string, unknown>) {
  const res = await t.app.inject({
    method: 'PATCH',
    url: `/api/v1/organisations/${orgId}/saml-configurations/${name}`,
    headers: t.admin,
    payload: fields,
  });
  expect(res.statusCode, res.body).toBe(200);
}

const metadataA = () => idpMetadata(IDP_A, 'https://idp-a.test/sso', [IDP_A_KEY.certPem]);

async function userEmails(orgId: string): Promise<string[]> {
  const res = await t.app.inject({
    method: 'GET',
    url: `/api/v1/organisations/${orgId}/users`,
    headers: t.admin,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().items.map((u: { email: string }) => u.email);
}

beforeAll(async () => {
  t = await startTestApp('sqlite', { BASE_URL: ORIGIN, SAML_ACS_RATE_LIMIT_PER_MINUTE: '1000' });
  orgA = await createOrganisation(t, 'Orga');
  orgB = await createOrganisation(t, 'Globex');
  await createConfiguration(orgA.id, A, { idpMetadataXml: metadataA() });
  await createConfiguration(orgB.id, B, {
    idpMetadataXml: idpMetadata(IDP_B, 'https://idp-b.test/sso', [IDP_B_KEY.certPem]),
  });
  await createConfiguration(orgB.id, SHARED, { idpMetadataXml: metadataA() });
  expect(acsOf(A)).toBe(ACS_A);
  expect(entityOf(A)).toBe(SP_ENTITY_A);
});
afterAll(() => t.close());

describe('attacks.md §1.9 multi-tenant isolation at the ACS', () => {
  it("S-MT-2: ORG_B's IdP asserting ORG_A's alice@orga.test is refused (identity_link_refused, 403) and never signs in as, or links to, ORG_A's alice", async () => {
    const alice = await signedIn(await post(A, response(A, 'alice@orga.test')));
    expect(alice.organisation.id).toBe(orgA.id);
    const hijack = await post(B, response(B, 'alice@orga.test', { issuer: IDP_B, key: IDP_B_KEY }));
    expectRefused(hijack, 'identity_link_refused', 403);
    expect(await userEmails(orgB.id)).not.toContain('alice@orga.test');
    // ORG_A's alice is untouched: her own IdP still signs her in to ORG_A, as the same user.
    const again = await signedIn(await post(A, response(A, 'alice@orga.test')));
    expect([again.id, again.organisation.id]).toEqual([alice.id, orgA.id]);
  });

  it("S-MT-3: with ORG_B's configuration pinning IdP A's certificate too, a response IdP A addressed to ORG_A is refused at ORG_B's ACS (saml_destination_mismatch) and starts no session", async () => {
    const forA = response(A, 'dana@orga.test');
    expectRefused(await post(SHARED, forA), 'saml_destination_mismatch', 400);
    // Without a Destination (only the assertion signed) the signed Recipient still names ORG_A's ACS.
    const assertionOnly = response(A, 'dana@orga.test', { variant: 'A', extra: { destination: null } });
    expectRefused(await post(SHARED, assertionOnly), 'saml_recipient_mismatch', 400);
    expect(await userEmails(orgB.id)).not.toContain('dana@orga.test');
    // Positive control: the same IdP's response addressed to ORG_B's configuration is accepted, in ORG_B.
    const erin = await signedIn(await post(SHARED, response(SHARED, 'erin@globex.test')));
    expect(erin.organisation.id).toBe(orgB.id);
  });

  it.each([
    ['a configuration name that does not exist', '/api/v1/auth/saml/no-such-config/response/'],
    [
      'an encoded traversal from B to A inside the name',
      '/api/v1/auth/saml/globex-okta%2F..%2Facme-okta/response/',
    ],
    ['an encoded dot-dot segment as the name', '/api/v1/auth/saml/%2e%2e/response/'],
    ['an extra path segment before the name', '/api/v1/auth/saml/globex-okta/acme-okta/response/'],
  ])(
    "S-MT-4: configuration A's valid response posted to %s is answered 404 and starts no session",
    async (_what, url) => {
      const res = await acs(url, response(A, 'alice@orga.test'));
      expect(res.statusCode, res.body).toBe(404);
      expect(sessionOf(res)).toBeUndefined();
    },
  );

  it('S-MT-5: a disabled configuration refuses a valid response (saml_configuration_disabled, 409) with no session; enabled again, it accepts one', async () => {
    const name = 'acme-disabled';
    await createConfiguration(orgA.id, name, { idpMetadataXml: metadataA() });
    await patchConfiguration(orgA.id, name, { enabled: false });
    expectRefused(await post(name, response(name, 'alice@orga.test')), 'saml_configuration_disabled', 409);
    await patchConfiguration(orgA.id, name, { enabled: true });
    expect((await signedIn(await post(name, response(name, 'alice@orga.test')))).email).toBe(
      'alice@orga.test',
    );
  });
});

describe('attacks.md §1.1 S-SIG-13 fail-closed when the configuration has no IdP certificate', () => {
  it('S-SIG-13: once the IdP metadata (and with it every certificate) is removed, signed and unsigned responses are refused (saml_configuration_incomplete, 409) and start no session', async () => {
    const name = 'acme-nocert';
    await createConfiguration(orgA.id, name, { idpMetadataXml: metadataA() });
    expect((await signedIn(await post(name, response(name, 'alice@orga.test')))).email).toBe(
      'alice@orga.test',
    );
    await patchConfiguration(orgA.id, name, { idpMetadataXml: null });
    expectRefused(await post(name, response(name, 'alice@orga.test')), 'saml_configuration_incomplete', 409);
    const unsigned = buildResponse({
      destination: acsOf(name),
      recipient: acsOf(name),
      audiences: [entityOf(name)],
      responseInResponseTo: null,
      scdInResponseTo: null,
    });
    expectRefused(await post(name, unsigned), 'saml_configuration_incomplete', 409);
  });
});

describe('attacks.md §1.8 S-SEM-28 and §1.5 S-TXT-7: the account key at the ACS', () => {
  it('SAML Core §2.4.1: a signed assertion without NameID and without an id attribute is refused (identity_subject_missing, 403) with no session; a uid attribute is enough — S-SEM-28', async () => {
    const noKey = response(A, 'frank@orga.test', { extra: { nameIdXml: '' } });
    expectRefused(await post(A, noKey), 'identity_subject_missing', 403);
    expect(await userEmails(orgA.id)).not.toContain('frank@orga.test');
    const withUid = response(A, 'frank@orga.test', {
      extra: {
        nameIdXml: '',
        attributes: [
          ['uid', ['frank']],
          ['email', ['frank@orga.test']],
        ],
      },
    });
    expect((await signedIn(await post(A, withUid))).email).toBe('frank@orga.test');
  });

  it("S-TXT-7: a Cyrillic look-alike of an existing member (\u0430lice@orga.test) gets an account of its own, never the member's", async () => {
    const alice = await signedIn(await post(A, response(A, 'alice@orga.test')));
    const lookalike = await signedIn(await post(A, response(A, '\u0430lice@orga.test')));
    expect(lookalike.id).not.toBe(alice.id);
    expect(lookalike.email).toBe('\u0430lice@orga.test');
  });

  it("S-TXT-7: a Kelvin-sign look-alike of an existing member (\u212Aate@orga.test) gets an account of its own, never the member's", async () => {
    const kate = await signedIn(await post(A, response(A, 'kate@orga.test')));
    const lookalike = await signedIn(await post(A, response(A, '\u212Aate@orga.test')));
    expect(lookalike.id).not.toBe(kate.id);
    expect(lookalike.email).toBe('\u212Aate@orga.test');
    // and the member still reaches her own account afterwards
    expect((await signedIn(await post(A, response(A, 'Kate@orga.test')))).id).toBe(kate.id);
  });

  it('S-TXT-7 (documented policy: email links are case-insensitive): ALICE@ORGA.TEST from the same IdP reaches the same member', async () => {
    const alice = await signedIn(await post(A, response(A, 'alice@orga.test')));
    const upper = await signedIn(await post(A, response(A, 'ALICE@ORGA.TEST')));
    expect(upper.id).toBe(alice.id);
  });
});
