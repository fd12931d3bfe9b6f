/**
 * The independent `xmlsec1` binary (libxmlsec1 + libxml2, Debian package `xmlsec1`) as a
 * second, non-JavaScript signer and encrypter: what it produces must validate, which proves the
 * validator interoperates beyond the xml-crypto vectors it is otherwise tested with.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALG, NS_ASSERTION, NS_PROTOCOL } from './builder.ts';
import type { TestIdentity } from './keys.ts';

const ID_ATTRS = ['--id-attr:ID', `${NS_PROTOCOL}:Response`, '--id-attr:ID', `${NS_ASSERTION}:Assertion`];

function inTempDir<T>(work: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'saml-xmlsec-'));
  try {
    return work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An empty ds:Signature template referencing `#id`, for xmlsec1 to fill in. */
export function signatureTemplate(
  id: string,
  c14n: string = ALG.excC14n,
  method: string = ALG.rsaSha256,
): string {
  return `<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="${c14n}"/><ds:SignatureMethod Algorithm="${method}"/><ds:Reference URI="#${id}"><ds:Transforms><ds:Transform Algorithm="${ALG.enveloped}"/><ds:Transform Algorithm="${c14n}"/></ds:Transforms><ds:DigestMethod Algorithm="${ALG.sha256}"/><ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data/></ds:KeyInfo></ds:Signature>`;
}

/** Fills in the signature template found at `signatureXpath` with `key`. */
export function xmlsecSign(xml: string, key: TestIdentity, signatureXpath: string): string {
  return inTempDir((dir) => {
    writeFileSync(join(dir, 'key.pem'), key.privateKeyPem, { mode: 0o600 });
    writeFileSync(join(dir, 'cert.pem'), key.certPem);
    writeFileSync(join(dir, 'in.xml'), xml);
    execFileSync(
      'xmlsec1',
      [
        '--sign',
        '--privkey-pem',
        `${join(dir, 'key.pem')},${join(dir, 'cert.pem')}`,
        ...ID_ATTRS,
        '--node-xpath',
        signatureXpath,
        '--output',
        join(dir, 'out.xml'),
        join(dir, 'in.xml'),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    return readFileSync(join(dir, 'out.xml'), 'utf8');
  });
}

/** Verifies the first signature with xmlsec1 (a sanity check of the test vectors themselves). */
export function xmlsecVerifies(xml: string, cert: TestIdentity): boolean {
  return inTempDir((dir) => {
    writeFileSync(join(dir, 'cert.pem'), cert.certPem);
    writeFileSync(join(dir, 'in.xml'), xml);
    try {
      execFileSync(
        'xmlsec1',
        [
          '--verify',
          '--insecure',
          '--pubkey-cert-pem',
          join(dir, 'cert.pem'),
          ...ID_ATTRS,
          join(dir, 'in.xml'),
        ],
        {
          stdio: 'ignore',
        },
      );
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Encrypts the saml:Assertion inside `xml` (which must sit in a saml:EncryptedAssertion) for
 * `to`, with RSA-OAEP-MGF1P key transport and `content` (an xmlenc URI) for the data.
 */
export function xmlsecEncryptAssertion(
  xml: string,
  to: TestIdentity,
  content: string,
  sessionKey: string,
): string {
  const template = `<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" Type="http://www.w3.org/2001/04/xmlenc#Element"><xenc:EncryptionMethod Algorithm="${content}"/><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><xenc:EncryptedKey><xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"/><xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo><xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedData>`;
  return inTempDir((dir) => {
    writeFileSync(join(dir, 'cert.pem'), to.certPem);
    writeFileSync(join(dir, 'data.xml'), xml);
    writeFileSync(join(dir, 'template.xml'), template);
    execFileSync(
      'xmlsec1',
      [
        '--encrypt',
        '--pubkey-cert-pem',
        join(dir, 'cert.pem'),
        '--session-key',
        sessionKey,
        '--xml-data',
        join(dir, 'data.xml'),
        '--node-xpath',
        "//*[local-name()='Assertion']",
        '--output',
        join(dir, 'out.xml'),
        join(dir, 'template.xml'),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    return readFileSync(join(dir, 'out.xml'), 'utf8');
  });
}
