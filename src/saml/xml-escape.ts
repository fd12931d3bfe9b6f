/**
 * Which characters XML can carry (XML 1.0 §2.2), and escaping for the XML that the SP writes
 * (SP metadata, AuthnRequests). Values are admin or caller input, so every one goes through
 * here; no XML is assembled from unescaped strings.
 */

import { SamlConfigError } from './config-errors.ts';

// XML 1.0 §2.2 Char: tab, LF, CR and everything from U+0020 except surrogates, U+FFFE, U+FFFF.
// Escaping cannot make these representable, so they are refused rather than dropped silently.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  // Attribute-value normalisation (XML 1.0 §3.3.3) would turn literal whitespace into spaces.
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

/** True when every character of `value` may appear in an XML 1.0 document. */
export function isXmlSafe(value: string): boolean {
  return !NOT_XML_CHAR.test(value);
}

const CHAR_REFERENCE = /&#(x[0-9a-fA-F]+|[0-9]+);/g;

/** True when `xml` holds only XML characters, including those written as character references. */
export function isXmlDocumentText(xml: string): boolean {
  if (!isXmlSafe(xml)) return false;
  for (const m of xml.matchAll(CHAR_REFERENCE)) {
    const ref = m[1]!;
    const cp = ref.startsWith('x') ? Number.parseInt(ref.slice(1), 16) : Number.parseInt(ref, 10);
    if (!(cp <= 0x10ffff && isXmlSafe(String.fromCodePoint(cp)))) return false;
  }
  return true;
}

/**
 * Escapes `value` for use as element text or a double- or single-quoted attribute value.
 *
 * XML 1.0 §2.4 (character data) and §3.1 (attribute values).
 * @throws SamlConfigError `saml_text_invalid` when `value` holds a character XML cannot carry
 *   (`field` names the input in the message).
 */
export function escapeXml(value: string, field: string): string {
  if (!isXmlSafe(value)) {
    throw new SamlConfigError('saml_text_invalid', `${field} contains a character that XML cannot carry`);
  }
  return value.replace(/[&<>"'\t\n\r]/g, (c) => ENTITIES[c]!);
}
