/**
 * Microsoft Entra ID (multi-tenant `{tenantid}` issuer, groups overage read from Microsoft Graph
 * with paging) and GitHub (OAuth2 without ID token, verified primary email from its API), against
 * loopback stand-ins that follow the providers' published shapes (remote SaaS cannot run here).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MICROSOFT_CONSUMER_TENANT } from '../../src/oidc/providers.ts';
import { type SaasFakes, startSaasFakes } from '../interop/oidc/saas-fakes.ts';
import { createOrganisation } from '../support/actors.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

const CLIENT_ID = '00000000-aaaa-bbbb-cccc-000000000001';
const TENANT = '11111111-2222-3333-4444-555555555555';

let fakes: SaasFakes;
let t: TestApp;
let orgId: string;

beforeEach(async () => {
  fakes = await startSaasFakes(CLIENT_ID);
  t = await startTestApp(
    'sqlite',
    { DRAWBRIDGE_ALLOW_PRIVATE_IDP_URLS: 'true' },
    { idpTransport: fakes.transport },
  );
  orgId = (await createOrganisation(t, 'Contoso')).id;
});
afterEach(async () => {
  await t.close();
  await fakes.close();
});

async function configure(payload: Record<string, unknown>) {
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/v1/organisations/${orgId}/oidc-configurations`,
    headers: t.admin,
    payload,
  });
  expect(res.statusCode, res.body).toBe(201);
}

async function group(externalId: string) {
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/v1/organisations/${orgId}/groups`,
    headers: t.admin,
    payload: { name: `G ${externalId}`, externalId },
  });
  return (JSON.parse(res.body) as { id: string }).id;
}

/** Start at Drawbridge, pass the provider's authorize endpoint, deliver the callback. */
async function login(name: string, person: string) {
  fakes.nextPerson = person;
  const start = await t.app.inject({ method: 'GET', url: `/api/v1/auth/oidc/${name}/login/` });
  expect(start.statusCode, start.body).toBe(302);
  const binding = start.cookies.find((c) => c.name.startsWith('drawbridge_oidc_'))!;
  const atProvider = await fetch(fakes.local(start.headers.location as string), { redirect: 'manual' });
  const back = new URL(atProvider.headers.get('location')!);
  const res = await t.app.inject({
    method: 'GET',
    url: `${back.pathname}${back.search}`,
    headers: { accept: 'application/json', cookie: `${binding.name}=${binding.value}` },
  });
  const session = res.cookies.find((c) => c.name === t.config.SESSION_COOKIE_NAME && c.value !== '');
  return {
    status: res.statusCode,
    body: res.body,
    cookie: session ? `${session.name}=${session.value}` : undefined,
  };
}

async function me(cookie: string) {
  return JSON.parse(
    (await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } })).body,
  ) as {
    email: string;
    groups: Array<{ id: string }>;
  };
}

describe('Microsoft Entra ID', () => {
  beforeEach(async () => {
    await configure({
      name: 'entra',
      provider: 'microsoft',
      tenant: 'organizations',
      clientId: CLIENT_ID,
      clientSecret: 'entra-secret',
    });
  });

  it('accepts the multi-tenant {tenantid} issuer filled from the token tid, and reads overage groups from Graph across pages', async () => {
    const ids = ['g-1', 'g-2', 'g-3'];
    const expected = await Promise.all(ids.map(group));
    fakes.entraPeople.megan = {
      tid: TENANT,
      oid: 'oid-megan',
      email: 'megan@contoso.test',
      name: 'Megan Bowen',
      groups: ids,
      overage: true,
    };
    const result = await login('entra', 'megan');
    expect(result.status, result.body).toBe(303);
    const profile = await me(result.cookie!);
    expect(profile.email).toBe('megan@contoso.test');
    expect(profile.groups.map((g) => g.id).sort()).toEqual([...expected].sort());
  });

  it('reads groups from the groups claim when there is no overage', async () => {
    const id = await group('g-9');
    fakes.entraPeople.adele = {
      tid: TENANT,
      oid: 'oid-adele',
      email: 'adele@contoso.test',
      name: 'Adele Vance',
      groups: ['g-9'],
      overage: false,
    };
    const result = await login('entra', 'adele');
    expect((await me(result.cookie!)).groups.map((g) => g.id)).toEqual([id]);
  });

  it('refuses a token whose iss names another tenant than its tid (Core §3.1.3.7 (2))', async () => {
    fakes.entraPeople.eve = {
      tid: TENANT,
      oid: 'oid-eve',
      email: 'eve@contoso.test',
      name: 'Eve',
      groups: [],
      overage: false,
      claims: { iss: 'https://login.microsoftonline.com/99999999-2222-3333-4444-555555555555/v2.0' },
    };
    const result = await login('entra', 'eve');
    expect(JSON.parse(result.body).error.code).toBe('oidc_issuer_mismatch');
    expect(result.cookie).toBeUndefined();
  });

  it('refuses personal Microsoft accounts on the organizations tenant', async () => {
    fakes.entraPeople.kid = {
      tid: MICROSOFT_CONSUMER_TENANT,
      oid: 'oid-kid',
      email: 'kid@outlook.test',
      name: 'Kid',
      groups: [],
      overage: false,
    };
    const result = await login('entra', 'kid');
    expect(JSON.parse(result.body).error.code).toBe('oidc_tenant_not_allowed');
    expect(result.cookie).toBeUndefined();
  });

  it('refuses a Graph nextLink to another host rather than sending it the access token', async () => {
    fakes.graphNextLinkElsewhere = true;
    fakes.entraPeople.megan = {
      tid: TENANT,
      oid: 'oid-megan',
      email: 'megan@contoso.test',
      name: 'Megan',
      groups: ['a', 'b'],
      overage: true,
    };
    const result = await login('entra', 'megan');
    expect(JSON.parse(result.body).error.code).toBe('oidc_provider_api_failed');
    expect(result.cookie).toBeUndefined();
  });
});

describe('GitHub (OAuth2, no ID token)', () => {
  beforeEach(async () => {
    await configure({ name: 'github', provider: 'github', clientId: 'gh-client', clientSecret: 'gh-secret' });
  });

  it('signs in with the verified primary email from /user/emails', async () => {
    fakes.githubPeople.mona = {
      id: 583231,
      login: 'octocat',
      name: 'Mona Octocat',
      emails: [
        { email: 'mona@public.test', primary: false, verified: true },
        { email: 'mona@acme.test', primary: true, verified: true },
      ],
    };
    const result = await login('github', 'mona');
    expect(result.status, result.body).toBe(303);
    expect((await me(result.cookie!)).email).toBe('mona@acme.test');
  });

  it('does not use an unverified primary email: without a verified address no account is created', async () => {
    fakes.githubPeople.sam = {
      id: 7,
      login: 'sam',
      name: 'Sam',
      emails: [{ email: 'sam@acme.test', primary: true, verified: false }],
    };
    const result = await login('github', 'sam');
    expect(JSON.parse(result.body).error.code).toBe('identity_email_missing');
    expect(result.cookie).toBeUndefined();
  });
});
