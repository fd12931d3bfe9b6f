/**
 * SAML Bindings 2.0 §3.5.4 (HTTP-POST): the SAMLResponse form field is the base64 of the XML.
 * Sizes are checked before any decoding, base64 is strict (the standard alphabet, padding only
 * at the end; line breaks tolerated because some encoders wrap at 76 characters), and the bytes
 * must be UTF-8 (XML 1.0 §4.3.3; a UTF-8 byte-order mark is dropped).
 *
 * Closes: S-DOS-5 (oversized body refused before base64 work), S-DOS-8 (invalid base64,
 * invalid UTF-8, UTF-16), and bounds S-DOS-4 (every later cost is linear in at most
 * `maxResponseBytes`).
 */
import { clip, SamlError } from '../errors.ts';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const XML_WHITESPACE = /[\t\n\r ]+/g;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Strict base64 of a signature or digest value (XML whitespace allowed, S-DIG-6), or null. */
export function decodeBase64Value(text: string): Buffer | null {
  const compact = text.replace(XML_WHITESPACE, '');
  if (compact.length === 0 || compact.length % 4 !== 0 || !BASE64.test(compact)) return null;
  return Buffer.from(compact, 'base64');
}

/** The longest base64 text (line breaks included) that can decode to at most `maxBytes`. */
export function maxBase64Chars(maxBytes: number): number {
  const chars = Math.ceil(maxBytes / 3) * 4;
  return chars + Math.ceil(chars / 64) * 2; // a CRLF every 64 characters, the tightest common wrap
}

/**
 * Decodes the SAMLResponse form value to the XML text.
 *
 * @throws SamlError `saml_response_too_large`, `saml_response_not_base64`, `saml_xml_malformed`
 */
export function decodeSamlResponse(value: string, maxBytes: number): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new SamlError('saml_response_not_base64', 'The SAMLResponse is empty or not text');
  }
  const limit = maxBase64Chars(maxBytes);
  if (value.length > limit) {
    throw new SamlError('saml_response_too_large', 'The SAMLResponse is larger than allowed', {
      limitBytes: maxBytes,
      gotBase64Chars: value.length,
    });
  }
  const compact = value.replace(XML_WHITESPACE, '');
  if (compact.length === 0 || compact.length % 4 !== 0 || !BASE64.test(compact)) {
    throw new SamlError('saml_response_not_base64', 'The SAMLResponse is not base64', {
      start: clip(value.slice(0, 40)),
    });
  }
  const bytes = Buffer.from(compact, 'base64');
  if (bytes.length > maxBytes) {
    throw new SamlError('saml_response_too_large', 'The SAMLResponse is larger than allowed', {
      limitBytes: maxBytes,
      gotBytes: bytes.length,
    });
  }
  try {
    return utf8.decode(bytes);
  } catch {
    throw new SamlError('saml_xml_malformed', 'The message is not UTF-8 text', { reason: 'not utf-8' });
  }
}
