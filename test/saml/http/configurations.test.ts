import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createPerson, unique } from '../../support/actors.ts';
import { startTestApp, type TestApp } from '../../support/app.ts';
import { ENGINES } from '../../support/databases.ts';
import { embeddedSignatureCertificate, metadataFixture } from '../config/fixtures.ts';
import { createTestIdp, idpMetadata, type TestIdp } from './idp-fixture.ts';

describe.each(ENGINES)('SAML configurations API (%s)', (engine) => {
  let t: TestApp;
  let idp: TestIdp;
  let org: { id: string };
  let base: string;
  beforeAll(async () => {
    t = await startTestApp(engine);
    idp = await createTestIdp();
    org = await createOrganisation(t);
    base = `/api/v1/organisations/${org.id}/saml-configurations`;
  });
  afterAll(() => t.close());

  const create = (payload: Record<string, unknown>, url = base) =>
    t.app.inject({ method: 'POST', url, headers: t.admin, payload });

  it('creates a configuration with the DESIGN.md body; the SP entity ID defaults to the metadata URL', async () => {
    const name = unique('acme-okta');
    const res = await create({
      name,
      allowIdpInitiated: false,
      idpMetadataXml: idp.metadataXml,
      attributeMappings: { email: 'mail', groups: 'memberOf' },
      defaultRole: 'member_viewer',
    });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      name,
      entityId: `http://drawbridge.test/api/v1/auth/saml/${name}/metadata/`,
      metadataUrl: `http://drawbridge.test/api/v1/auth/saml/${name}/metadata/`,
      acsUrl: `http://drawbridge.test/api/v1/auth/saml/${name}/response/`,
      attributeMappings: { email: 'mail', groups: 'memberOf' },
      defaultRole: 'member_viewer',
      allowIdpInitiated: false,
      requireSignedAssertion: true,
      allowSha1: false,
      idp: {
        entityId: idp.entityId,
        ssoRedirectUrl: idp.ssoUrl,
        certificates: [{ fingerprintSha256: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/) }],
      },
    });
  });

  it('accepts a configuration without metadata and takes the metadata later (PATCH)', async () => {
    const name = unique('later');
    const res = await create({ name });
    expect(res.json().idp).toBeNull();
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `${base}/${name}`,
      headers: t.admin,
      payload: { idpMetadataXml: idp.metadataXml },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json().idp.entityId).toBe(idp.entityId);
  });

  it('keeps every signing certificate of the metadata (rollover)', async () => {
    const second = await createTestIdp();
    const xml = idpMetadata(idp.entityId, idp.ssoUrl, [idp.keys.certificatePem, second.keys.certificatePem]);
    const res = await create({ name: unique('rollover'), idpMetadataXml: xml });
    expect(res.json().idp.certificates).toHaveLength(2);
  });

  it.each([
    ['Upper', 'invalid_request'],
    ['-starts-with-dash', 'invalid_request'],
    ['has space', 'invalid_request'],
    ['x'.repeat(64), 'invalid_request'],
  ])('refuses the name %j', async (name, code) => {
    const res = await create({ name });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe(code);
  });

  it('refuses a name another organisation already uses (409 saml_configuration_name_taken)', async () => {
    const name = unique('taken');
    await create({ name });
    const other = await createOrganisation(t);
    const res = await create({ name }, `/api/v1/organisations/${other.id}/saml-configurations`);
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('saml_configuration_name_taken');
  });

  it('refuses to rename (400 name_immutable) and changes nothing', async () => {
    const name = unique('fixed');
    await create({ name, defaultRole: 'member' });
    const res = await t.app.inject({
      method: 'PATCH',
      url: `${base}/${name}`,
      headers: t.admin,
      payload: { name: 'renamed', defaultRole: 'admin' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('name_immutable');
    expect(
      (await t.app.inject({ method: 'GET', url: `${base}/${name}`, headers: t.admin })).json().defaultRole,
    ).toBe('member');
  });

  it.each([
    ['<not-xml', 'saml_metadata_malformed'],
    [
      '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>',
      'saml_metadata_not_idp',
    ],
  ])('refuses bad metadata with a code saying what is wrong (%#)', async (xml, code) => {
    const res = await create({ name: unique('bad'), idpMetadataXml: xml });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe(code);
  });

  it("with metadata signers configured, takes signed metadata (Entra's real export) and refuses unsigned or tampered documents", async () => {
    const entra = metadataFixture('entra-common-federationmetadata-signed.xml');
    const signer = embeddedSignatureCertificate(entra);
    const ok = await create({
      name: unique('signed'),
      idpMetadataSigningCertificates: [signer],
      idpMetadataXml: entra,
    });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json().idp.certificates.length).toBe(3);
    const unsigned = await create({
      name: unique('unsigned'),
      idpMetadataSigningCertificates: [signer],
      idpMetadataXml: idp.metadataXml,
    });
    expect(unsigned.json().error.code).toBe('saml_metadata_unsigned');
    const tampered = entra.replace('https://login.microsoftonline.com/', 'https://login.attacker.example/');
    const refused = await create({
      name: unique('tampered'),
      idpMetadataSigningCertificates: [signer],
      idpMetadataXml: tampered,
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.code).toBe('saml_metadata_signature_invalid');
  });

  it('refuses metadata without a certificate (saml_metadata_no_certificate)', async () => {
    const xml = idpMetadata(idp.entityId, idp.ssoUrl, []);
    const res = await create({ name: unique('nocert'), idpMetadataXml: xml });
    expect(res.json().error.code).toBe('saml_metadata_no_certificate');
  });

  it('refuses private or plain-http IdP URLs unless DRAWBRIDGE_ALLOW_PRIVATE_IDP_URLS (idp_url_not_allowed)', async () => {
    const xml = idpMetadata(idp.entityId, 'http://127.0.0.1:4302/sso', [idp.keys.certificatePem]);
    const res = await create({ name: unique('private'), idpMetadataXml: xml });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('idp_url_not_allowed');
  });

  it("lists, reads and deletes; another organisation's admin sees 404", async () => {
    const name = unique('life');
    await create({ name });
    const other = await createOrganisation(t);
    const outsider = await createPerson(t, other.id, 'admin');
    expect(
      (await t.app.inject({ method: 'GET', url: `${base}/${name}`, headers: outsider.headers })).statusCode,
    ).toBe(404);
    const list = (await t.app.inject({ method: 'GET', url: base, headers: t.admin })).json().items;
    expect(list.map((c: { name: string }) => c.name)).toContain(name);
    expect(
      (await t.app.inject({ method: 'DELETE', url: `${base}/${name}`, headers: t.admin })).statusCode,
    ).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: `${base}/${name}`, headers: t.admin })).statusCode).toBe(
      404,
    );
  });

  it('serves SP metadata with the ACS URL and the SP signing and encryption certificates', async () => {
    const name = unique('meta');
    await create({ name, idpMetadataXml: idp.metadataXml });
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/auth/saml/${name}/metadata/` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/samlmetadata+xml');
    expect(res.body).toContain(`entityID="http://drawbridge.test/api/v1/auth/saml/${name}/metadata/"`);
    expect(res.body).toContain(`Location="http://drawbridge.test/api/v1/auth/saml/${name}/response/"`);
    expect(res.body).toMatch(/use="signing"/);
    expect(res.body).toMatch(/use="encryption"/);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/saml/nope/metadata/' })).statusCode).toBe(
      404,
    );
  });

  it('SP-initiated login redirects to the IdP with a signed AuthnRequest, a pending request and a browser-binding cookie', async () => {
    const name = unique('login');
    await create({ name, idpMetadataXml: idp.metadataXml });
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/auth/saml/${name}/login/?next=/after` });
    expect(res.statusCode).toBe(302);
    const location = new URL(res.headers.location as string);
    expect(`${location.origin}${location.pathname}`).toBe(idp.ssoUrl);
    const xml = inflateRawSync(Buffer.from(location.searchParams.get('SAMLRequest')!, 'base64')).toString(
      'utf8',
    );
    const requestId = /ID="([^"]+)"/.exec(xml)![1]!;
    expect(location.searchParams.get('RelayState')).toBe(requestId);
    expect(location.searchParams.get('SigAlg')).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    expect(location.searchParams.get('Signature')).toBeTruthy();
    const binding = res.cookies.find((c) => c.name === `drawbridge_saml_${requestId}`);
    expect(binding?.httpOnly).toBe(true);
    const pending = await t.store.pendingLogins.consume(requestId, 'saml');
    expect(pending).toMatchObject({ returnTo: 'http://drawbridge.test/after' });
  });

  it('login for an unknown or incomplete configuration shows a failure page, not a redirect', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/saml/nope/login/' })).statusCode).toBe(
      404,
    );
    const name = unique('empty');
    await create({ name });
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/auth/saml/${name}/login/`,
      headers: { accept: 'application/json' },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('saml_configuration_incomplete');
  });

  it('starts a login at a POST-only IdP with an auto-submitting form (HTTP-POST binding) allowed by the CSP', async () => {
    const name = unique('post-only');
    const xml = idp.metadataXml.replace(
      /<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"[^>]*\/>/,
      '',
    );
    await create({ name, idpMetadataXml: xml });
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/auth/saml/${name}/login/` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).toContain('form-action https://idp.acme.test');
    expect(res.body).toContain(`action="${idp.ssoUrl}"`);
    const samlRequest = /name="SAMLRequest" value="([^"]+)"/.exec(res.body)![1]!;
    const requestXml = Buffer.from(samlRequest, 'base64').toString('utf8');
    expect(requestXml).toContain('AuthnRequest');
    expect(requestXml).toContain('SignatureValue');
    expect(res.body).toContain('src="/assets/auto-submit.js"');
    expect((await t.app.inject({ method: 'GET', url: '/assets/auto-submit.js' })).body).toContain('submit()');
  });
});

describe('SAML instance settings', () => {
  it('SAML_FORCE_SSL makes the ACS, entity ID and metadata URLs https whatever BASE_URL or X-Forwarded-Proto say', async () => {
    const t = await startTestApp('sqlite', { SAML_FORCE_SSL: 'true', TRUST_PROXY: 'true' });
    try {
      const org = await createOrganisation(t);
      const name = unique('ssl');
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/v1/organisations/${org.id}/saml-configurations`,
        headers: { ...t.admin, 'x-forwarded-proto': 'http' },
        payload: { name },
      });
      expect(res.json()).toMatchObject({
        acsUrl: `https://drawbridge.test/api/v1/auth/saml/${name}/response/`,
        entityId: `https://drawbridge.test/api/v1/auth/saml/${name}/metadata/`,
      });
      const metadata = await t.app.inject({
        method: 'GET',
        url: `/api/v1/auth/saml/${name}/metadata/`,
        headers: { 'x-forwarded-proto': 'http' },
      });
      expect(metadata.body).toContain(
        `Location="https://drawbridge.test/api/v1/auth/saml/${name}/response/"`,
      );
    } finally {
      await t.close();
    }
  });

  it('SAML_DEFAULT_CONFIGURATION lets a login start without the configuration name', async () => {
    const t = await startTestApp('sqlite', { SAML_DEFAULT_CONFIGURATION: 'acme-default' });
    try {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/auth/saml/login/?next=/x' });
      expect(res.statusCode).toBe(302);
      expect(res.headers.location).toBe('/api/v1/auth/saml/acme-default/login/?next=%2Fx');
    } finally {
      await t.close();
    }
    const none = await startTestApp('sqlite');
    try {
      const res = await none.app.inject({
        method: 'GET',
        url: '/api/v1/auth/saml/login/',
        headers: { accept: 'application/json' },
      });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('saml_configuration_not_found');
    } finally {
      await none.close();
    }
  });

  it('limits ACS posts per client address and configuration (429 rate_limited before any parsing)', async () => {
    const t = await startTestApp('sqlite', { SAML_ACS_RATE_LIMIT_PER_MINUTE: '3' });
    try {
      const post = (name: string, ip: string) =>
        t.app.inject({
          method: 'POST',
          url: `/api/v1/auth/saml/${name}/response/`,
          remoteAddress: ip,
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          payload: 'SAMLResponse=bm90LXhtbA',
        });
      for (let i = 0; i < 3; i++) expect((await post('flooded', '203.0.113.7')).statusCode).not.toBe(429);
      const limited = await post('flooded', '203.0.113.7');
      expect(limited.statusCode).toBe(429);
      expect(limited.json().error.code).toBe('rate_limited');
      expect((await post('flooded', '203.0.113.8')).statusCode).not.toBe(429);
      expect((await post('other-configuration', '203.0.113.7')).statusCode).not.toBe(429);
    } finally {
      await t.close();
    }
  });
});
