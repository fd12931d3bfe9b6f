import { beforeAll, describe, expect, it } from 'vitest';
import { SignedXml } from 'xml-crypto';
import { parseIdpMetadata } from '../../../src/saml/idp-metadata.ts';
import { generateSpKeyPair, type SpKeyPair } from '../../../src/saml/sp-keys.ts';
import { embeddedSignatureCertificate, metadataFixture } from './fixtures.ts';

const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const RSA_SHA1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';

const code = (c: string) => expect.objectContaining({ code: c });

/** Signs the element at `xpath` (which must carry an ID) the way metadata signers do. */
function sign(xml: string, key: SpKeyPair, xpath = '/*', sha1 = false): string {
  const sig = new SignedXml({
    privateKey: key.privateKeyPem,
    publicCert: key.certificatePem,
    signatureAlgorithm: sha1 ? RSA_SHA1 : RSA_SHA256,
    canonicalizationAlgorithm: EXC_C14N,
  });
  sig.addReference({
    xpath,
    transforms: [ENVELOPED, EXC_C14N],
    digestAlgorithm: sha1
      ? 'http://www.w3.org/2000/09/xmldsig#sha1'
      : 'http://www.w3.org/2001/04/xmlenc#sha256',
  });
  // SAML Metadata 2.0 §2.3.2: ds:Signature is the first child of the signed descriptor.
  sig.computeSignature(xml, { prefix: 'ds', location: { reference: xpath, action: 'prepend' } });
  return sig.getSignedXml();
}

const okta = () =>
  metadataFixture('okta-exkppsa1qwuFV4D7z0h7.xml')
    .replace(/^<\?xml[^>]*\?>\s*/, '')
    .replace('<md:EntityDescriptor ', '<md:EntityDescriptor ID="_okta" ');

const SIGNED = [
  'entra-common-federationmetadata-signed.xml',
  'adfs-v2-msidlab7-signed.xml',
  'adfs-2016-msidlab11.xml',
] as const;

describe('SAML Metadata 2.0 §3 signed metadata: real signatures', () => {
  for (const file of SIGNED) {
    it(`verifies ${file} with its own signing certificate`, () => {
      const xml = metadataFixture(file);
      const m = parseIdpMetadata(xml, {
        requireSignature: true,
        signerCertificates: [embeddedSignatureCertificate(xml)],
      });
      expect(m).toEqual(parseIdpMetadata(xml));
    });
  }

  it('refuses adfs-signed-roledescriptors.xml, edited after signing upstream, with saml_metadata_signature_invalid', () => {
    const xml = metadataFixture('adfs-signed-roledescriptors.xml');
    expect(() =>
      parseIdpMetadata(xml, {
        requireSignature: true,
        signerCertificates: [embeddedSignatureCertificate(xml)],
      }),
    ).toThrow(code('saml_metadata_signature_invalid'));
  });

  it('refuses a signed document changed by one SSO URL', () => {
    const xml = metadataFixture('entra-common-federationmetadata-signed.xml');
    const tampered = xml.replace(
      'Location="https://login.microsoftonline.com/common/saml2"',
      'Location="https://evil.example/common/saml2"',
    );
    expect(tampered).not.toBe(xml);
    expect(() =>
      parseIdpMetadata(tampered, {
        requireSignature: true,
        signerCertificates: [embeddedSignatureCertificate(xml)],
      }),
    ).toThrow(code('saml_metadata_signature_invalid'));
  });

  it('refuses a valid signature by a certificate that is not a configured signer', () => {
    const xml = metadataFixture('entra-common-federationmetadata-signed.xml');
    const other = embeddedSignatureCertificate(metadataFixture('adfs-v2-msidlab7-signed.xml'));
    expect(() => parseIdpMetadata(xml, { requireSignature: true, signerCertificates: [other] })).toThrow(
      code('saml_metadata_signature_invalid'),
    );
  });

  it('refuses unsigned metadata with saml_metadata_unsigned when a signature is required', () => {
    const xml = metadataFixture('okta-exkppsa1qwuFV4D7z0h7.xml');
    const signer = embeddedSignatureCertificate(metadataFixture('adfs-2016-msidlab11.xml'));
    expect(() => parseIdpMetadata(xml, { requireSignature: true, signerCertificates: [signer] })).toThrow(
      code('saml_metadata_unsigned'),
    );
  });

  it('refuses requireSignature without a signer certificate (saml_certificate_invalid)', () => {
    const xml = metadataFixture('entra-common-federationmetadata-signed.xml');
    expect(() => parseIdpMetadata(xml, { requireSignature: true })).toThrow(code('saml_certificate_invalid'));
    expect(() => parseIdpMetadata(xml, { requireSignature: true, signerCertificates: ['nope'] })).toThrow(
      code('saml_certificate_invalid'),
    );
  });
});

describe('SAML Metadata 2.0 §3 signed metadata: what the signature covers', () => {
  let signer: SpKeyPair;
  let attacker: SpKeyPair;
  beforeAll(async () => {
    [signer, attacker] = await Promise.all([
      generateSpKeyPair('metadata signer'),
      generateSpKeyPair('attacker'),
    ]);
  });

  it('verifies an EntityDescriptor we sign (rsa-sha256, exclusive c14n)', () => {
    const m = parseIdpMetadata(sign(okta(), signer), {
      requireSignature: true,
      signerCertificates: [signer.certificatePem],
    });
    expect(m.entityId).toBe('http://www.okta.com/exkppsa1qwuFV4D7z0h7');
  });

  it('accepts any of several signer certificates (federation key rollover)', () => {
    const xml = sign(okta(), signer);
    const m = parseIdpMetadata(xml, {
      requireSignature: true,
      signerCertificates: [attacker.certificatePem, signer.certificatePem],
    });
    expect(m.ssoUrls.redirect).toContain('oktapreview.com');
  });

  it('ignores the KeyInfo certificate: a document re-signed by an attacker with its own cert embedded is refused', () => {
    const forged = sign(okta().replace('dev-513394.oktapreview.com', 'evil.example'), attacker);
    expect(forged).toContain('<ds:X509Certificate>');
    expect(() =>
      parseIdpMetadata(forged, { requireSignature: true, signerCertificates: [signer.certificatePem] }),
    ).toThrow(code('saml_metadata_signature_invalid'));
  });

  it('refuses SHA-1 signatures unless allowSha1Signature is set', () => {
    const xml = sign(okta(), signer, '/*', true);
    const options = { requireSignature: true, signerCertificates: [signer.certificatePem] };
    expect(() => parseIdpMetadata(xml, options)).toThrow(code('saml_metadata_signature_algorithm_refused'));
    expect(parseIdpMetadata(xml, { ...options, allowSha1Signature: true }).entityId).toContain('okta');
  });

  it('verifies a signed aggregate (EntitiesDescriptor) and reads the chosen IdP from it', () => {
    const testshib = metadataFixture('shibboleth-testshib-entities.xml')
      .replace(/^<\?xml[^>]*\?>\s*/, '')
      .replace('<EntitiesDescriptor', '<EntitiesDescriptor ID="_fed"');
    const m = parseIdpMetadata(sign(testshib, signer), {
      requireSignature: true,
      signerCertificates: [signer.certificatePem],
    });
    expect(m.entityId).toBe('https://idp.testshib.org/idp/shibboleth');
  });

  it('verifies an entity signed on its own inside an unsigned aggregate, and refuses an unsigned sibling', () => {
    const signedEntity = sign(okta(), signer);
    const sibling = metadataFixture('onelogin-383123.xml').replace(/^<\?xml[^>]*\?>\s*/, '');
    const xml = `<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata">${signedEntity}${sibling}</EntitiesDescriptor>`;
    const options = { requireSignature: true, signerCertificates: [signer.certificatePem] };
    expect(
      parseIdpMetadata(xml, { ...options, entityId: 'http://www.okta.com/exkppsa1qwuFV4D7z0h7' }).entityId,
    ).toBe('http://www.okta.com/exkppsa1qwuFV4D7z0h7');
    expect(() =>
      parseIdpMetadata(xml, { ...options, entityId: 'https://app.onelogin.com/saml/metadata/383123' }),
    ).toThrow(code('saml_metadata_unsigned'));
  });

  it('refuses signature wrapping: the signed entity moved under an unsigned root that carries its signature', () => {
    const signed = sign(okta(), signer);
    const signature = /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(signed)![0];
    const original = signed.replace(signature, '');
    const evil = okta()
      .replace('ID="_okta"', 'ID="_evil"')
      .replaceAll('dev-513394.oktapreview.com', 'evil.example')
      .replace(/(<md:EntityDescriptor[^>]*>)/, `$1${signature}<md:Extensions>${original}</md:Extensions>`);
    expect(() =>
      parseIdpMetadata(evil, { requireSignature: true, signerCertificates: [signer.certificatePem] }),
    ).toThrow(code('saml_metadata_signature_invalid'));
  });

  it('refuses signature wrapping: an evil entity with the same entityID beside the signed one', () => {
    const signedEntity = sign(okta(), signer);
    const evil = okta()
      .replace('ID="_okta"', 'ID="_evil"')
      .replaceAll('dev-513394.oktapreview.com', 'evil.example');
    const xml = `<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata">${evil}${signedEntity}</EntitiesDescriptor>`;
    expect(() =>
      parseIdpMetadata(xml, {
        requireSignature: true,
        signerCertificates: [signer.certificatePem],
        entityId: 'http://www.okta.com/exkppsa1qwuFV4D7z0h7',
      }),
    ).toThrow(code('saml_metadata_entity_ambiguous'));
  });

  it('refuses a signature whose Reference points at another element than the one that carries it', () => {
    const signed = sign(okta(), signer);
    const moved = signed.replace('URI="#_okta"', 'URI="#_elsewhere"');
    expect(() =>
      parseIdpMetadata(moved, { requireSignature: true, signerCertificates: [signer.certificatePem] }),
    ).toThrow(code('saml_metadata_signature_invalid'));
  });
});
