/**
 * Test-only XML Encryption of the assertion (SAML Core 2.3.4): the assertion element of a built
 * (and possibly signed) Response is encrypted to the SP key with xml-encryption and replaced by
 * saml:EncryptedAssertion.
 */
import { encrypt } from 'xml-encryption';
import { assertionOf, mutate, parse, serialize } from './builder.ts';
import { SP_KEY, type TestIdentity } from './keys.ts';

export const ENC = {
  aes128cbc: 'http://www.w3.org/2001/04/xmlenc#aes128-cbc',
  aes256cbc: 'http://www.w3.org/2001/04/xmlenc#aes256-cbc',
  aes128gcm: 'http://www.w3.org/2009/xmlenc11#aes128-gcm',
  aes256gcm: 'http://www.w3.org/2009/xmlenc11#aes256-gcm',
  tripleDes: 'http://www.w3.org/2001/04/xmlenc#tripledes-cbc',
  rsaOaepMgf1p: 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
  rsaOaep11: 'http://www.w3.org/2009/xmlenc11#rsa-oaep',
  rsa15: 'http://www.w3.org/2001/04/xmlenc#rsa-1_5',
} as const;

export interface EncryptOptions {
  to?: TestIdentity;
  content?: string;
  keyTransport?: string;
  /** OAEP digest (xmlenc11#rsa-oaep only), e.g. 'sha256'. */
  oaepDigest?: string;
}

/** EncryptedData (xml-encryption's template, EncryptedKey nested in KeyInfo) for `plaintext`. */
export function encryptXml(plaintext: string, o: EncryptOptions = {}): Promise<string> {
  const to = o.to ?? SP_KEY;
  return new Promise((resolve, reject) => {
    encrypt(
      plaintext,
      {
        rsa_pub: to.publicKeyPem,
        pem: to.certPem,
        encryptionAlgorithm: (o.content ?? ENC.aes256gcm) as never,
        keyEncryptionAlgorithm: (o.keyTransport ?? ENC.rsaOaepMgf1p) as never,
        ...(o.oaepDigest ? { keyEncryptionDigest: o.oaepDigest } : {}),
        disallowEncryptionWithInsecureAlgorithm: false,
        warnInsecureAlgorithm: false,
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

/** Replaces the first assertion of `responseXml` with its EncryptedAssertion. */
export async function encryptAssertionIn(responseXml: string, o: EncryptOptions = {}): Promise<string> {
  const assertion = serialize(assertionOf(parse(responseXml)));
  const encryptedData = await encryptXml(assertion, o);
  return wrapEncrypted(responseXml, encryptedData);
}

/** Puts `encryptedDataXml` inside saml:EncryptedAssertion in place of the first assertion. */
export function wrapEncrypted(responseXml: string, encryptedDataXml: string, extraInside = ''): string {
  const wrapper = parse(
    `<saml:EncryptedAssertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">${encryptedDataXml}${extraInside}</saml:EncryptedAssertion>`,
  ).documentElement!;
  return mutate(responseXml, (doc) => {
    const assertion = assertionOf(doc);
    assertion.parentNode!.replaceChild(doc.importNode(wrapper, true), assertion);
  });
}
