/**
 * SAML Core 2.3.4 (EncryptedAssertion) with XML Encryption 1.1 §5: before any private-key
 * operation, the EncryptedAssertion must hold one EncryptedData of Type Element with an
 * allowlisted content algorithm, and every EncryptedKey must use RSA-OAEP key transport.
 * RSA PKCS#1 v1.5 key transport is refused (Bleichenbacher oracle); 3DES is refused; AES-CBC is
 * accepted because SimpleSAMLphp and Shibboleth still send it (DESIGN.md), AES-GCM preferred.
 *
 * Closes: S-ENC-5 (rsa-1_5, weak content algorithms), S-ENC-7 (no EncryptionMethod, no key).
 */
import type { Element } from '@xmldom/xmldom';
import { clip, SamlError } from '../errors.ts';
import { attr, childrenNamed, elementChildren, NS } from '../xml.ts';

export const CONTENT_ALGORITHMS: ReadonlySet<string> = new Set([
  'http://www.w3.org/2009/xmlenc11#aes128-gcm',
  'http://www.w3.org/2009/xmlenc11#aes256-gcm',
  'http://www.w3.org/2001/04/xmlenc#aes128-cbc',
  'http://www.w3.org/2001/04/xmlenc#aes256-cbc',
]);
export const KEY_TRANSPORT_ALGORITHMS: ReadonlySet<string> = new Set([
  'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
  'http://www.w3.org/2009/xmlenc11#rsa-oaep',
]);
const TYPE_ELEMENT = 'http://www.w3.org/2001/04/xmlenc#Element';

function failed(reason: string, message: string): SamlError {
  return new SamlError('saml_decryption_failed', message, { reason });
}

function algorithm(el: Element, allowed: ReadonlySet<string>, what: string): void {
  const method = childrenNamed(el, NS.xenc, 'EncryptionMethod');
  if (method.length !== 1) throw failed('encryption_method', `The ${what} must name one EncryptionMethod`);
  const uri = attr(method[0]!, 'Algorithm') ?? '';
  if (!allowed.has(uri)) {
    throw new SamlError('saml_encryption_algorithm_forbidden', `The ${what} algorithm is not allowed`, {
      algorithm: clip(uri),
    });
  }
}

/** Every xenc:EncryptedKey under `root`, wherever it sits (nested in KeyInfo or a sibling). */
function encryptedKeys(root: Element): Element[] {
  const found: Element[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const el = stack.pop()!;
    if (el.namespaceURI === NS.xenc && el.localName === 'EncryptedKey') found.push(el);
    stack.push(...elementChildren(el));
  }
  return found;
}

/**
 * @throws SamlError `saml_decryption_failed`, `saml_encryption_algorithm_forbidden`
 */
export function checkEncryption(encryptedAssertion: Element): void {
  const children = elementChildren(encryptedAssertion);
  const data = children.filter((c) => c.namespaceURI === NS.xenc && c.localName === 'EncryptedData');
  const others = children.filter(
    (c) => c.namespaceURI !== NS.xenc || (c.localName !== 'EncryptedData' && c.localName !== 'EncryptedKey'),
  );
  if (data.length !== 1 || others.length > 0) {
    throw failed('structure', 'The EncryptedAssertion must hold one EncryptedData (and keys) only');
  }
  const encryptedData = data[0]!;
  const type = attr(encryptedData, 'Type');
  if (type !== null && type !== TYPE_ELEMENT) throw failed('type', 'The EncryptedData must hold an element');
  algorithm(encryptedData, CONTENT_ALGORITHMS, 'content encryption');
  const keys = encryptedKeys(encryptedAssertion);
  if (keys.length === 0) throw failed('no_encrypted_key', 'The EncryptedAssertion carries no EncryptedKey');
  for (const key of keys) algorithm(key, KEY_TRANSPORT_ALGORITHMS, 'key transport');
}
