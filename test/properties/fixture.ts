/**
 * The data every HTTP property runs against: an organisation with one of each object (user,
 * group, domain, SAML and OIDC configuration, API keys), a second tenant whose objects must
 * never be reachable through the first, and the headers of each kind of caller. Routes are
 * fuzzed with these ids so that handlers get past "not found" and do real work.
 */

import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { startSession } from '../../src/credentials/sessions.ts';
import { sha256Hex } from '../../src/credentials/tokens.ts';
import { publicSessionId } from '../../src/http/routes/own-sessions.ts';
import { generateSpKeyPair } from '../../src/saml/sp-keys.ts';
import { idpMetadata } from '../saml/http/idp-fixture.ts';
import { ADMIN_KEY } from '../support/app.ts';
import type { EngineName } from '../support/databases.ts';
import { type PropertyApp, startPropertyApp } from './property-app.ts';

export const ORG_ADMIN_PASSWORD = 'correct horse battery staple';

export type PrincipalName =
  | 'instanceAdmin'
  | 'orgAdminSession'
  | 'orgAdminKey'
  | 'orgViewerKey'
  | 'otherOrgAdminKey'
  | 'anonymous';

export interface Fixture {
  t: PropertyApp;
  /** The organisation every route's :orgId points at. */
  orgId: string;
  /** A member (role member) of the fixture organisation: the :userId of user routes. */
  userId: string;
  /** The organisation admin behind the session cookie (never the target of a route). */
  orgAdminUserId: string;
  orgAdminEmail: string;
  groupId: string;
  domainId: string;
  /** A SAML configuration of the fixture organisation (with IdP metadata), the :name of SAML routes. */
  samlName: string;
  /** A (disabled, so no network) OIDC configuration of the fixture organisation, the :name of OIDC routes. */
  oidcName: string;
  /** A live organisation API key id (the :keyId of the organisation key routes). */
  orgKeyId: string;
  /** A live instance API key id (the :keyId of /api/v1/api-keys/:keyId). */
  instanceKeyId: string;
  /** Objects of another tenant: they exist, but never under the fixture organisation. */
  other: {
    orgId: string;
    userId: string;
    groupId: string;
    domainId: string;
    keyId: string;
    samlName: string;
    oidcName: string;
    /** A live session of the other tenant's user (the public id of /api/v1/auth/sessions). */
    sessionId: string;
  };
  headers: Record<PrincipalName, Record<string, string>>;
  /** Every id the fixtures made, so random ids can be told apart from real ones. */
  knownIds: Set<string>;
}

async function expectCreated(res: LightMyRequestResponse, what: string): Promise<Record<string, unknown>> {
  if (res.statusCode !== 201 && res.statusCode !== 200) {
    throw new Error(`fixture ${what} failed: ${res.statusCode} ${res.body}`);
  }
  return res.json() as Record<string, unknown>;
}

export async function createFixture(engine: EngineName): Promise<Fixture> {
  const t = await startPropertyApp(engine);
  const admin = { authorization: `Api-Key ${ADMIN_KEY}` };
  const post = (url: string, payload: unknown, headers: Record<string, string> = admin) =>
    t.app.inject({ method: 'POST', url, headers, payload: payload as InjectOptions['payload'] });

  const org = await expectCreated(
    await post('/api/v1/organisations', { name: 'Fixture Org', slug: 'fixture-org' }),
    'organisation',
  );
  const orgId = org.id as string;
  const o = `/api/v1/organisations/${orgId}`;
  const user = await expectCreated(
    await post(`${o}/users`, {
      email: 'member@fixture.example',
      firstName: 'Mem',
      lastName: 'Ber',
      role: 'member',
    }),
    'member',
  );
  const orgAdminEmail = 'org-admin@fixture.example';
  const orgAdmin = await expectCreated(
    await post(`${o}/users`, { email: orgAdminEmail, role: 'admin', password: ORG_ADMIN_PASSWORD }),
    'org admin',
  );
  const group = await expectCreated(
    await post(`${o}/groups`, { name: 'Engineering', externalId: 'eng' }),
    'group',
  );
  const domain = await expectCreated(await post(`${o}/domains`, { domain: 'fixture.example' }), 'domain');
  const samlName = 'fixture-saml';
  const idpKeys = await generateSpKeyPair('fixture idp');
  await expectCreated(
    await post(`${o}/saml-configurations`, {
      name: samlName,
      idpMetadataXml: idpMetadata('https://idp.fixture.example/', 'https://idp.fixture.example/sso', [
        idpKeys.certificatePem,
      ]),
    }),
    'SAML configuration',
  );
  const oidcName = 'fixture-oidc';
  const oidcConfiguration = (name: string) => ({
    name,
    provider: 'generic-oidc',
    issuer: 'https://idp.fixture.example',
    clientId: 'fixture-client',
    clientSecret: 'fixture-secret',
    enabled: false,
  });
  await expectCreated(
    await post(`${o}/oidc-configurations`, oidcConfiguration(oidcName)),
    'OIDC configuration',
  );
  const orgKey = await expectCreated(
    await post(`${o}/api-keys`, { name: 'org admin key', role: 'admin' }),
    'org key',
  );
  const viewerKey = await expectCreated(
    await post(`${o}/api-keys`, { name: 'org viewer key', role: 'admin_viewer' }),
    'viewer key',
  );
  const spareOrgKey = await expectCreated(
    await post(`${o}/api-keys`, { name: 'spare', role: 'admin' }),
    'spare key',
  );
  const instanceKey = await expectCreated(
    await post('/api/v1/api-keys', { name: 'spare instance key' }),
    'instance key',
  );
  const put = await t.app.inject({
    method: 'PUT',
    url: `${o}/groups/${group.id}/members/${user.id}`,
    headers: admin,
  });
  if (put.statusCode !== 204) throw new Error(`fixture group member failed: ${put.statusCode} ${put.body}`);

  const otherOrg = await expectCreated(
    await post('/api/v1/organisations', { name: 'Other Org', slug: 'other-org' }),
    'other organisation',
  );
  const oo = `/api/v1/organisations/${otherOrg.id}`;
  const otherUser = await expectCreated(
    await post(`${oo}/users`, { email: 'someone@other.example' }),
    'other user',
  );
  const otherGroup = await expectCreated(await post(`${oo}/groups`, { name: 'Other group' }), 'other group');
  const otherDomain = await expectCreated(
    await post(`${oo}/domains`, { domain: 'other.example' }),
    'other domain',
  );
  const otherKey = await expectCreated(await post(`${oo}/api-keys`, { name: 'other key' }), 'other key');
  const otherSession = await startSession(
    t.store,
    { idleSeconds: 86_400, absoluteSeconds: 86_400 },
    { userId: otherUser.id as string, method: 'password', ip: null, userAgent: null },
  );
  await expectCreated(
    await post(`${oo}/saml-configurations`, { name: 'other-saml' }),
    'other SAML configuration',
  );
  await expectCreated(
    await post(`${oo}/oidc-configurations`, oidcConfiguration('other-oidc')),
    'other OIDC configuration',
  );

  const login = await t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: orgAdminEmail, password: ORG_ADMIN_PASSWORD },
  });
  const cookie = login.cookies.find((c) => c.name === t.config.SESSION_COOKIE_NAME);
  if (login.statusCode !== 200 || !cookie)
    throw new Error(`fixture login failed: ${login.statusCode} ${login.body}`);

  const fixture: Fixture = {
    t,
    orgId,
    userId: user.id as string,
    orgAdminUserId: orgAdmin.id as string,
    orgAdminEmail,
    groupId: group.id as string,
    domainId: domain.id as string,
    samlName,
    oidcName,
    orgKeyId: spareOrgKey.id as string,
    instanceKeyId: instanceKey.id as string,
    other: {
      orgId: otherOrg.id as string,
      userId: otherUser.id as string,
      groupId: otherGroup.id as string,
      domainId: otherDomain.id as string,
      keyId: otherKey.id as string,
      samlName: 'other-saml',
      oidcName: 'other-oidc',
      sessionId: publicSessionId(sha256Hex(otherSession.cookieValue)),
    },
    headers: {
      instanceAdmin: admin,
      orgAdminSession: { cookie: `${t.config.SESSION_COOKIE_NAME}=${cookie.value}` },
      orgAdminKey: { authorization: `Api-Key ${orgKey.key as string}` },
      orgViewerKey: { authorization: `Api-Key ${viewerKey.key as string}` },
      otherOrgAdminKey: { authorization: `Api-Key ${otherKey.key as string}` },
      anonymous: {},
    },
    knownIds: new Set(),
  };
  for (const v of [
    fixture.orgId,
    fixture.userId,
    fixture.orgAdminUserId,
    fixture.groupId,
    fixture.domainId,
    fixture.orgKeyId,
    fixture.instanceKeyId,
    orgKey.id,
    viewerKey.id,
    ...Object.values(fixture.other),
  ]) {
    fixture.knownIds.add(v as string);
  }
  return fixture;
}
