/**
 * Interoperability with a non-JavaScript implementation: responses signed and encrypted by the
 * `xmlsec1` binary (libxmlsec1/libxml2, the stack under SimpleSAMLphp's xmlseclibs peers and
 * many IdPs) validate, including c14n 1.0 (whose ancestor-namespace handling differs from
 * exclusive c14n) and SimpleSAMLphp's RSA-OAEP-MGF1P + AES-128-CBC encryption.
 */
import { describe, expect, it } from 'vitest';
import { ALG, buildAssertion, buildResponse, NS_ASSERTION } from './support/builder.ts';
import { ENC } from './support/encrypt.ts';
import { ALICE, expectRefused, settingsA, validate } from './support/expect.ts';
import { IDP_A_KEY, SP_KEY } from './support/keys.ts';
import { signatureTemplate, xmlsecEncryptAssertion, xmlsecSign } from './support/xmlsec.ts';

const ASSERTION_SIGNATURE = `//*[local-name()='Assertion']/*[local-name()='Signature']`;
const RESPONSE_SIGNATURE = `/*[local-name()='Response']/*[local-name()='Signature']`;

/** A Response whose assertion (and optionally the Response) carries an xmlsec1 signature template. */
function templated(c14n: string = ALG.excC14n, method: string = ALG.rsaSha256, response = false): string {
  const assertion = buildAssertion().replace(
    '</saml:Issuer>',
    `</saml:Issuer>${signatureTemplate('_a1', c14n, method)}`,
  );
  const xml = buildResponse({}, assertion);
  return response
    ? xml.replace('</saml:Issuer>', `</saml:Issuer>${signatureTemplate('_r1', c14n, method)}`)
    : xml;
}

describe('Interop: signed by xmlsec1', () => {
  it('accepts an assertion signed by xmlsec1 with exclusive c14n (A)', () => {
    const xml = xmlsecSign(templated(), IDP_A_KEY, ASSERTION_SIGNATURE);
    expect(validate(xml)).toEqual({ ...ALICE, encrypted: false });
  });

  it('accepts an assertion signed by xmlsec1 with inclusive c14n 1.0 (ancestor namespaces included)', () => {
    const xml = xmlsecSign(templated(ALG.c14n), IDP_A_KEY, ASSERTION_SIGNATURE);
    expect(validate(xml).nameId).toBe(ALICE.nameId);
  });

  it('accepts RA signed by xmlsec1 (assertion first, then the Response over it)', () => {
    const assertionSigned = xmlsecSign(
      templated(ALG.excC14n, ALG.rsaSha256, true),
      IDP_A_KEY,
      ASSERTION_SIGNATURE,
    );
    const xml = xmlsecSign(assertionSigned, IDP_A_KEY, RESPONSE_SIGNATURE);
    expect(validate(xml)).toEqual({ ...ALICE, encrypted: false });
  });

  it('refuses an xmlsec1 RSA-SHA1 signature by default and accepts it with allowSha1', () => {
    const xml = xmlsecSign(templated(ALG.excC14n, ALG.rsaSha1), IDP_A_KEY, ASSERTION_SIGNATURE);
    expectRefused(xml, 'saml_signature_algorithm_forbidden');
    // The template keeps a SHA-256 digest; only the signature method is SHA-1.
    expect(validate(xml, settingsA({ allowSha1: true })).nameId).toBe(ALICE.nameId);
  });

  it('refuses an xmlsec1-signed assertion edited afterwards', () => {
    const xml = xmlsecSign(templated(), IDP_A_KEY, ASSERTION_SIGNATURE).replace(
      '>alice@orga.test</saml:NameID>',
      '>admin@orga.test</saml:NameID>',
    );
    expectRefused(xml, 'saml_signature_invalid', { reason: 'digest_mismatch' });
  });
});

describe('Interop: encrypted by xmlsec1', () => {
  const signedThenEncrypted = (content: string, sessionKey: string) => {
    const signed = xmlsecSign(templated(), IDP_A_KEY, ASSERTION_SIGNATURE);
    const wrapped = signed.replace(
      /<saml:Assertion[\s\S]*<\/saml:Assertion>/,
      (a) => `<saml:EncryptedAssertion xmlns:saml="${NS_ASSERTION}">${a}</saml:EncryptedAssertion>`,
    );
    return xmlsecEncryptAssertion(wrapped, SP_KEY, content, sessionKey);
  };

  it('accepts RSA-OAEP-MGF1P + AES-128-CBC, as SimpleSAMLphp and Shibboleth send it', () => {
    expect(validate(signedThenEncrypted(ENC.aes128cbc, 'aes-128'))).toEqual({ ...ALICE, encrypted: true });
  });

  it('accepts RSA-OAEP-MGF1P + AES-256-GCM', () => {
    expect(validate(signedThenEncrypted(ENC.aes256gcm, 'aes-256'))).toEqual({ ...ALICE, encrypted: true });
  });
});
