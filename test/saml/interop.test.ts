/**
 * Drawbridge's SAML SP against real IdPs written by others (SimpleSAMLphp, pysaml2), on
 * loopback: SP- and IdP-initiated logins, Okta-like and Entra-like attribute sets, group sync
 * across logins, encrypted assertions and an IdP signing-key rollover.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  completeSpInitiatedLogin,
  DEFAULT_USERS,
  generateKeyPair,
  type IdpOptions,
  idpInitiatedLogin,
  type RunningIdp,
  type SamlPost,
  type SpDescription,
  startPysaml2,
  startSimpleSamlPhp,
} from '../interop/saml/index.ts';
import { createOrganisation, unique } from '../support/actors.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { idpMetadata } from './http/idp-fixture.ts';

const STARTERS = { simplesamlphp: startSimpleSamlPhp, pysaml2: startPysaml2 } as const;
const ALICE = { username: 'alice', password: 'alicepass' };
const ENTRA_GROUPS = 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups';

describe.each(Object.keys(STARTERS) as (keyof typeof STARTERS)[])('SAML login through %s', (kind) => {
  let t: TestApp;
  let org: { id: string };
  const idps: RunningIdp[] = [];

  beforeAll(async () => {
    t = await startTestApp('sqlite', { DRAWBRIDGE_ALLOW_PRIVATE_IDP_URLS: 'true' });
    org = await createOrganisation(t);
    for (const [externalId, role] of [
      ['engineering', 'member'],
      ['sso-admins', 'admin'],
      ['sales', null],
    ] as const) {
      await t.app.inject({
        method: 'POST',
        url: `/api/v1/organisations/${org.id}/groups`,
        headers: t.admin,
        payload: { name: externalId, externalId, role },
      });
    }
  });
  afterAll(async () => {
    for (const idp of idps) await idp.stop();
    await t.close();
  });

  /** A configuration, its SP description, and an IdP that trusts it. */
  async function connect(options: Omit<IdpOptions, 'sp'> = {}, fields: Record<string, unknown> = {}) {
    const name = unique(kind);
    const created = await t.app.inject({
      method: 'POST',
      url: `/api/v1/organisations/${org.id}/saml-configurations`,
      headers: t.admin,
      payload: { name, ...fields },
    });
    expect(created.statusCode, created.body).toBe(201);
    const metadata = await t.app.inject({ method: 'GET', url: `/api/v1/auth/saml/${name}/metadata/` });
    const sp: SpDescription = {
      entityId: created.json().entityId,
      acsUrl: created.json().acsUrl,
      metadataXml: metadata.body,
    };
    const idp = await STARTERS[kind]({ sp, ...options });
    idps.push(idp);
    await setMetadata(name, idp.metadataXml);
    return { name, sp, idp };
  }

  async function setMetadata(name: string, xml: string, more: Record<string, unknown> = {}) {
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/organisations/${org.id}/saml-configurations/${name}`,
      headers: t.admin,
      payload: { idpMetadataXml: xml, ...more },
    });
    expect(res.statusCode, res.body).toBe(200);
  }

  /** GET /login/ → IdP → the response form, with the browser-binding cookie of this login. */
  async function spInitiated(name: string, next = '/welcome', credentials = ALICE) {
    const start = await t.app.inject({
      method: 'GET',
      url: `/api/v1/auth/saml/${name}/login/?next=${encodeURIComponent(next)}`,
    });
    expect(start.statusCode, start.body).toBe(302);
    const cookie = start.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const post = await completeSpInitiatedLogin(start.headers.location as string, credentials);
    return { post, cookie };
  }

  function acs(name: string, post: SamlPost, cookie = '') {
    return t.app.inject({
      method: 'POST',
      url: `/api/v1/auth/saml/${name}/response/`,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        ...(cookie ? { cookie } : {}),
      },
      payload: new URLSearchParams({
        SAMLResponse: post.samlResponse,
        ...(post.relayState ? { RelayState: post.relayState } : {}),
      }).toString(),
    });
  }

  async function me(res: Awaited<ReturnType<typeof acs>>) {
    const session = res.cookies.find((c) => c.name === 'drawbridge_session');
    expect(session, res.body).toBeDefined();
    const r = await t.app.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: { cookie: `drawbridge_session=${session!.value}` },
    });
    expect(r.statusCode).toBe(200);
    return r.json();
  }

  it('SP-initiated login creates the user with groups and role from the IdP and lands on next', async () => {
    const { name } = await connect();
    const { post, cookie } = await spInitiated(name);
    const res = await acs(name, post, cookie);
    expect(res.statusCode, res.body).toBe(303);
    expect(res.headers.location).toBe('http://drawbridge.test/welcome');
    const user = await me(res);
    expect(user).toMatchObject({
      email: 'alice@example.test',
      firstName: 'Alice',
      lastName: 'Liddell',
      role: 'admin',
    });
    expect(user.groups.map((g: { externalId: string }) => g.externalId).sort()).toEqual([
      'engineering',
      'sso-admins',
    ]);
  });

  it('refuses the same response a second time, and a response posted from another browser', async () => {
    const { name } = await connect();
    const { post, cookie } = await spInitiated(name);
    expect((await acs(name, post, cookie)).statusCode).toBe(303);
    const again = await acs(name, post, cookie);
    expect(again.statusCode).toBe(400);
    expect(again.json().error.code).toMatch(/^saml_(request_unknown|replay_detected)$/);
    const other = await spInitiated(name);
    const stolen = await acs(name, other.post, '');
    expect(stolen.json().error.code).toBe('saml_request_browser_mismatch');
    expect(stolen.cookies.find((c) => c.name === 'drawbridge_session')).toBeUndefined();
  });

  it('refuses an IdP-initiated login unless the configuration allows it', async () => {
    const { name, sp, idp } = await connect();
    const unsolicited = await idpInitiatedLogin(idp, sp, ALICE, '/dashboard');
    const refused = await acs(name, unsolicited);
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.code).toBe('saml_unsolicited_response');
    await setMetadata(name, idp.metadataXml, { allowIdpInitiated: true });
    const accepted = await acs(name, await idpInitiatedLogin(idp, sp, ALICE, '/dashboard'));
    expect(accepted.statusCode, accepted.body).toBe(303);
    expect(accepted.headers.location).toBe('http://drawbridge.test/dashboard');
    expect((await me(accepted)).email).toBe('alice@example.test');
  });

  it('adds and removes SSO group memberships across two logins', async () => {
    const signingKey = generateKeyPair(`${kind} groups`);
    const users = (groups: string[]) => ({
      carol: {
        password: 'carolpass',
        attributes: {
          uid: ['carol'],
          email: [`carol-${kind}@example.test`],
          givenName: ['Carol'],
          sn: ['C'],
          groups,
        },
      },
    });
    const { name, sp, idp } = await connect({ signingKey, users: users(['engineering', 'sales']) });
    const carol = { username: 'carol', password: 'carolpass' };
    const first = await spInitiated(name, '/', carol);
    const groupsOf = async (res: Awaited<ReturnType<typeof acs>>) =>
      (await me(res)).groups.map((g: { externalId: string }) => g.externalId).sort();
    expect(await groupsOf(await acs(name, first.post, first.cookie))).toEqual(['engineering', 'sales']);
    await idp.stop();
    const port = Number(new URL(idp.baseUrl).port);
    const restarted = await STARTERS[kind]({ sp, port, signingKey, users: users(['sales']) });
    idps.push(restarted);
    const second = await spInitiated(name, '/', carol);
    expect(await groupsOf(await acs(name, second.post, second.cookie))).toEqual(['sales']);
  });

  it('reads an Entra-like attribute set (claim URIs) with a custom groups mapping', async () => {
    const { name } = await connect(
      { attributeNameFormat: 'uri' },
      { attributeMappings: { groups: ENTRA_GROUPS } },
    );
    const { post, cookie } = await spInitiated(name);
    const user = await me(await acs(name, post, cookie));
    expect(user).toMatchObject({ email: 'alice@example.test', firstName: 'Alice', lastName: 'Liddell' });
    expect(user.groups).toHaveLength(2);
  });

  it("accepts a login signed with the IdP's new key during a rollover (both certificates configured)", async () => {
    const oldKey = generateKeyPair(`${kind} old`);
    const { name, sp, idp } = await connect({ signingKey: oldKey });
    await idp.stop();
    const newKey = generateKeyPair(`${kind} new`);
    const port = Number(new URL(idp.baseUrl).port);
    const rolled = await STARTERS[kind]({ sp, port, signingKey: newKey });
    idps.push(rolled);
    // Before the admin adds the new certificate, the new signature is refused ...
    const refused = await spInitiated(name);
    expect((await acs(name, refused.post, refused.cookie)).json().error.code).toBe('saml_signature_invalid');
    // ... with both certificates (the rollover metadata), it is accepted.
    const both = idpMetadata(rolled.entityId, rolled.ssoRedirectUrl, [oldKey.certPem, newKey.certPem]);
    await setMetadata(name, both);
    const ok = await spInitiated(name);
    expect((await acs(name, ok.post, ok.cookie)).statusCode).toBe(303);
  });

  if (kind === 'simplesamlphp') {
    it('decrypts an encrypted assertion (RSA-OAEP + AES-128-CBC) and can require encryption', async () => {
      const { name } = await connect({ encryptAssertion: true }, { wantAssertionsEncrypted: true });
      const { post, cookie } = await spInitiated(name);
      expect(post.xml).toContain('EncryptedAssertion');
      const res = await acs(name, post, cookie);
      expect(res.statusCode, res.body).toBe(303);
      expect((await me(res)).email).toBe('alice@example.test');
    });

    it('refuses a plain assertion when the configuration wants encrypted ones', async () => {
      const { name } = await connect({}, { wantAssertionsEncrypted: true });
      const { post, cookie } = await spInitiated(name);
      const res = await acs(name, post, cookie);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('saml_encryption_required');
    });
  }

  it('records a trace for every refused login that an admin can read', async () => {
    const { name, sp, idp } = await connect();
    await acs(
      name,
      await idpInitiatedLogin(idp, sp, { username: 'bob', password: DEFAULT_USERS.bob!.password }),
    );
    const traces = await t.app.inject({
      method: 'GET',
      url: `/api/v1/organisations/${org.id}/login-traces`,
      headers: t.admin,
    });
    const trace = traces.json().items.find((x: { configuration: string }) => x.configuration === name);
    expect(trace).toMatchObject({ outcome: 'failure', code: 'saml_unsolicited_response', protocol: 'saml' });
    expect(trace.detail.response).toContain('bob@example.test');
    expect(trace.detail.response).not.toMatch(/<(\w+:)?SignatureValue[^>]*>[A-Za-z0-9+/]{20}/);
  });
});
