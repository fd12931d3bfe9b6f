import { beforeAll, describe, expect, it } from 'vitest';
import { parseIdpMetadata } from '../../../src/saml/idp-metadata.ts';
import { certificateBody, generateSpKeyPair, type SpKeyPair } from '../../../src/saml/sp-keys.ts';
import {
  buildSpMetadata,
  DEFAULT_ENCRYPTION_METHODS,
  DEFAULT_SP_NAME_ID_FORMATS,
  type SpMetadataInput,
} from '../../../src/saml/sp-metadata.ts';
import { elements, NS, parseStrictly, samlSchemaErrors } from './fixtures.ts';

const code = (c: string) => expect.objectContaining({ code: c });
const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const ENTITY_ID = 'https://sso.example.com/api/v1/auth/saml/acme-okta/metadata/';
const ACS_URL = 'https://sso.example.com/api/v1/auth/saml/acme-okta/response/';

describe('SAML Metadata 2.0 §2.4.4 SPSSODescriptor: buildSpMetadata', () => {
  let signingOld: SpKeyPair;
  let signingNew: SpKeyPair;
  let encryption: SpKeyPair;
  let input: SpMetadataInput;
  beforeAll(async () => {
    [signingOld, signingNew, encryption] = await Promise.all([
      generateSpKeyPair('sso.example.com SAML signing'),
      generateSpKeyPair('sso.example.com SAML signing'),
      generateSpKeyPair('sso.example.com SAML encryption'),
    ]);
    input = {
      entityId: ENTITY_ID,
      acsUrl: ACS_URL,
      signingCertificates: [signingNew.certificatePem],
      encryptionCertificates: [encryption.certificatePem],
      authnRequestsSigned: true,
      wantAssertionsSigned: true,
    };
  });

  it('writes a well-formed EntityDescriptor with our entityID and one SAML 2.0 SPSSODescriptor', () => {
    const doc = parseStrictly(buildSpMetadata(input));
    const root = doc.documentElement!;
    expect([root.namespaceURI, root.localName]).toEqual([NS.md, 'EntityDescriptor']);
    expect(root.getAttribute('entityID')).toBe(ENTITY_ID);
    const sp = elements(doc, NS.md, 'SPSSODescriptor');
    expect(sp).toHaveLength(1);
    expect(sp[0]!.getAttribute('protocolSupportEnumeration')).toBe('urn:oasis:names:tc:SAML:2.0:protocol');
    expect(elements(doc, NS.md, 'IDPSSODescriptor')).toHaveLength(0);
  });

  it('publishes one AssertionConsumerService: HTTP-POST, index 0, isDefault, at the ACS URL', () => {
    const acs = elements(parseStrictly(buildSpMetadata(input)), NS.md, 'AssertionConsumerService');
    expect(acs).toHaveLength(1);
    expect(acs[0]!.getAttribute('Binding')).toBe(POST);
    expect(acs[0]!.getAttribute('Location')).toBe(ACS_URL);
    expect(acs[0]!.getAttribute('index')).toBe('0');
    expect(acs[0]!.getAttribute('isDefault')).toBe('true');
  });

  it('publishes §2.4.1.1 KeyDescriptors use="signing" and use="encryption" with the certificate bodies', () => {
    const doc = parseStrictly(buildSpMetadata(input));
    const keys = elements(doc, NS.md, 'KeyDescriptor').map((kd) => ({
      use: kd.getAttribute('use'),
      cert: elements(kd, NS.ds, 'X509Certificate')[0]!.textContent,
      methods: elements(kd, NS.md, 'EncryptionMethod').map((m) => m.getAttribute('Algorithm')),
    }));
    expect(keys).toEqual([
      { use: 'signing', cert: certificateBody(signingNew.certificatePem), methods: [] },
      {
        use: 'encryption',
        cert: certificateBody(encryption.certificatePem),
        methods: [...DEFAULT_ENCRYPTION_METHODS],
      },
    ]);
    expect(DEFAULT_ENCRYPTION_METHODS[0]).toBe('http://www.w3.org/2009/xmlenc11#aes256-gcm');
  });

  it('publishes both signing certificates during a rotation, old first, and a repeated one once', () => {
    const xml = buildSpMetadata({
      ...input,
      signingCertificates: [signingOld.certificatePem, signingNew.certificatePem, signingOld.certificatePem],
    });
    const signing = elements(parseStrictly(xml), NS.md, 'KeyDescriptor')
      .filter((kd) => kd.getAttribute('use') === 'signing')
      .map((kd) => elements(kd, NS.ds, 'X509Certificate')[0]!.textContent);
    expect(signing).toEqual([
      certificateBody(signingOld.certificatePem),
      certificateBody(signingNew.certificatePem),
    ]);
  });

  it('states AuthnRequestsSigned and WantAssertionsSigned as configured', () => {
    for (const [a, w] of [
      [true, true],
      [false, true],
      [false, false],
    ] as const) {
      const sp = elements(
        parseStrictly(buildSpMetadata({ ...input, authnRequestsSigned: a, wantAssertionsSigned: w })),
        NS.md,
        'SPSSODescriptor',
      )[0]!;
      expect(sp.getAttribute('AuthnRequestsSigned')).toBe(String(a));
      expect(sp.getAttribute('WantAssertionsSigned')).toBe(String(w));
    }
  });

  it('lists emailAddress, persistent and unspecified NameIDFormats by default, or the configured ones', () => {
    const formats = (xml: string) =>
      elements(parseStrictly(xml), NS.md, 'NameIDFormat').map((f) => f.textContent);
    expect(formats(buildSpMetadata(input))).toEqual([...DEFAULT_SP_NAME_ID_FORMATS]);
    expect(DEFAULT_SP_NAME_ID_FORMATS[0]).toBe('urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress');
    const persistent = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
    expect(formats(buildSpMetadata({ ...input, nameIdFormats: [persistent] }))).toEqual([persistent]);
  });

  it('escapes special characters in the entity ID, URLs and organisation name so they read back unchanged', () => {
    const weird = {
      ...input,
      entityId: 'https://sso.example.com/md?a=1&b="2"&c=<3>',
      acsUrl: "https://sso.example.com/acs/?x=1&y='2'&z=%3C",
      organisationName: 'Acme & Sons <"Ltd">',
    };
    const xml = buildSpMetadata(weird);
    expect(xml).toContain('&amp;b=&quot;2&quot;&amp;c=&lt;3&gt;');
    const doc = parseStrictly(xml);
    expect(doc.documentElement!.getAttribute('entityID')).toBe(weird.entityId);
    expect(elements(doc, NS.md, 'AssertionConsumerService')[0]!.getAttribute('Location')).toBe(weird.acsUrl);
    expect(elements(doc, NS.md, 'OrganizationName')[0]!.textContent).toBe(weird.organisationName);
  });

  it('adds §2.3.2.1 Organization (name, display name, URL defaulting to the ACS origin) and validUntil', () => {
    const doc = parseStrictly(
      buildSpMetadata({ ...input, organisationName: 'Acme', validUntil: Date.parse('2030-01-02T03:04:05Z') }),
    );
    expect(doc.documentElement!.getAttribute('validUntil')).toBe('2030-01-02T03:04:05.000Z');
    expect(elements(doc, NS.md, 'OrganizationDisplayName')[0]!.textContent).toBe('Acme');
    expect(elements(doc, NS.md, 'OrganizationURL')[0]!.textContent).toBe('https://sso.example.com/');
    expect(elements(parseStrictly(buildSpMetadata(input)), NS.md, 'Organization')).toHaveLength(0);
  });

  it('omits the encryption KeyDescriptor when there is no encryption certificate', () => {
    const doc = parseStrictly(buildSpMetadata({ ...input, encryptionCertificates: [] }));
    expect(elements(doc, NS.md, 'KeyDescriptor').map((kd) => kd.getAttribute('use'))).toEqual(['signing']);
  });

  it('is valid against the OASIS metadata schema (libxml2), with and without the optional parts', () => {
    expect(samlSchemaErrors(buildSpMetadata(input), 'metadata')).toEqual([]);
    const full = buildSpMetadata({
      ...input,
      signingCertificates: [signingOld.certificatePem, signingNew.certificatePem],
      organisationName: 'Acme & Sons',
      validUntil: Date.parse('2030-01-01T00:00:00Z'),
    });
    expect(samlSchemaErrors(full, 'metadata')).toEqual([]);
    const bare = buildSpMetadata({
      ...input,
      signingCertificates: [],
      encryptionCertificates: [],
      authnRequestsSigned: false,
    });
    expect(samlSchemaErrors(bare, 'metadata')).toEqual([]);
  });

  it('is refused by parseIdpMetadata as SP-only (saml_metadata_not_idp)', () => {
    expect(() => parseIdpMetadata(buildSpMetadata(input))).toThrow(code('saml_metadata_not_idp'));
  });

  it('refuses unusable input with a configuration error code', () => {
    const cases: [Partial<SpMetadataInput>, string][] = [
      [{ entityId: '' }, 'saml_entity_id_invalid'],
      [{ entityId: ' https://x/ ' }, 'saml_entity_id_invalid'],
      [{ entityId: `https://x/${'a'.repeat(1024)}` }, 'saml_entity_id_invalid'],
      [{ acsUrl: '/relative/response/' }, 'saml_url_invalid'],
      [{ acsUrl: 'javascript:alert(1)' }, 'saml_url_invalid'],
      [{ acsUrl: 'https://sso.example.com/acs#frag' }, 'saml_url_invalid'],
      [{ signingCertificates: ['not a certificate'] }, 'saml_certificate_invalid'],
      [
        { encryptionCertificates: ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'] },
        'saml_certificate_invalid',
      ],
      [{ signingCertificates: [], authnRequestsSigned: true }, 'saml_certificate_invalid'],
      [{ organisationName: 'Acme\u0000' }, 'saml_text_invalid'],
      [{ validUntil: Number.NaN }, 'saml_text_invalid'],
    ];
    for (const [change, expected] of cases) {
      expect(() => buildSpMetadata({ ...input, ...change }), JSON.stringify(change)).toThrow(code(expected));
    }
  });
});
