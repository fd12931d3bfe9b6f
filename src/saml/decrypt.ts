/**
 * Decrypts an EncryptedAssertion (SAML Core 2.3.4) with the SP's keys, current and previous,
 * using xml-encryption after checks/check-encryption.ts allowlisted its algorithms. The XML
 * handed to xml-encryption is our own serialization of the EncryptedAssertion element alone,
 * so a KeyInfo/RetrievalMethod can only resolve inside it (S-ENC-6). The plaintext is parsed
 * by the caller with the same strict parser as the message.
 *
 * Every failure is the one code `saml_decryption_failed`, whatever went wrong (wrong key, bad
 * padding, bad tag, malformed plaintext), so no error reveals anything about the plaintext
 * (S-ENC-5, Jager and Somorovsky, CCS 2011).
 */
import type { Element } from '@xmldom/xmldom';
import { XMLSerializer } from '@xmldom/xmldom';
import { decrypt } from 'xml-encryption';
import { SamlError } from './errors.ts';

/**
 * The one message of every decryption-stage refusal: the message may reach the browser, and
 * any difference between two refusals would be an oracle on the plaintext. The admin trace
 * gets the reason from `detail`.
 */
export const DECRYPTION_FAILED = 'The encrypted assertion cannot be used';

function decryptWith(xml: string, key: string): string | null {
  let plaintext: string | null = null;
  try {
    // xml-encryption answers synchronously through the callback; were that ever to change, the
    // result would simply be missing and decryption would fail closed.
    decrypt(
      xml,
      // The algorithms were allowlisted already (AES-CBC included on purpose); xml-encryption's
      // own refusal of AES-CBC and its console warnings are therefore turned off.
      { key, disallowDecryptionWithInsecureAlgorithm: false, warnInsecureAlgorithm: false },
      (error, result) => {
        if (!error && typeof result === 'string') plaintext = result;
      },
    );
  } catch {
    return null;
  }
  return plaintext;
}

/**
 * The decrypted assertion XML.
 *
 * @throws SamlError `saml_decryption_failed`
 */
export function decryptAssertion(
  encryptedAssertion: Element,
  keys: readonly string[],
  maxBytes: number,
): string {
  if (keys.length === 0) {
    throw new SamlError('saml_decryption_failed', DECRYPTION_FAILED, { reason: 'no_key' });
  }
  const xml = new XMLSerializer().serializeToString(encryptedAssertion);
  for (const key of keys) {
    const plaintext = decryptWith(xml, key);
    if (plaintext !== null && Buffer.byteLength(plaintext, 'utf8') <= maxBytes) return plaintext;
  }
  throw new SamlError('saml_decryption_failed', DECRYPTION_FAILED, { reason: 'decrypt' });
}
