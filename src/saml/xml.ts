/**
 * Strict XML for SAML messages: one parse per message, refused unless well-formed, and one
 * walk over the result that indexes what the checks need (IDs, assertions, signatures), so
 * nothing later searches the document with XPath.
 *
 * Why @xmldom/xmldom 0.9 with every warning treated as fatal: the xmldom 0.8 that node-saml and
 * xml-crypto bundle accepts some malformed documents (several roots, stray content), and a
 * second, unsigned assertion can ride along beside a signed one (S-WRAP-7, GHSA-5p8w-2mvw-38pv).
 * xml-crypto's canonicalizers are written against 0.8 nodes but only read standard DOM
 * properties (nodeType, data, tagName, prefix, namespaceURI, attributes, childNodes); their output
 * on 0.9 nodes is byte-identical to 0.8 on every element of the shared real-IdP fixtures
 * (test/saml/response/xml.test.ts checks this), so the 0.9 document is canonicalized directly
 * and never parsed a second time.
 *
 * Closes: S-PD-1, S-PD-2, S-DOS-1, S-DOS-2, S-DOS-3 (no DOCTYPE at all, so no entities, no
 * external fetches); S-TXT-3 (processing instructions refused: xml-crypto's c14n renders a PI's
 * data as if it were text); S-DOS-6 (depth limit, also keeps the recursive c14n off the stack
 * limit); S-WRAP-2, S-WRAP-10, S-XSW-7, S-XSW-8, S-PD-5 (document-wide unique IDs).
 */
import { DOMParser, type Document, type Element, type Node } from '@xmldom/xmldom';
import { clip, SamlError } from './errors.ts';
import './xmldom-regexp-cache.ts';

export const NS = {
  protocol: 'urn:oasis:names:tc:SAML:2.0:protocol',
  assertion: 'urn:oasis:names:tc:SAML:2.0:assertion',
  dsig: 'http://www.w3.org/2000/09/xmldsig#',
  xenc: 'http://www.w3.org/2001/04/xmlenc#',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
} as const;

/** Deeper than any real SAML message (about 10 levels); bounds the recursive canonicalizer. */
export const MAX_DEPTH = 64;

const ELEMENT = 1;
const TEXT = 3;
const CDATA = 4;
const PROCESSING_INSTRUCTION = 7;
const DOCUMENT_TYPE = 10;

export interface ParsedXml {
  doc: Document;
  root: Element;
  /** Elements carrying an ID-like attribute (ID, Id, id, xml:id, wsu:Id), by value; values are unique. */
  ids: Map<string, Element>;
  /** saml:Assertion and saml:EncryptedAssertion anywhere in the document, in document order. */
  assertions: Element[];
  /** ds:Signature anywhere in the document, in document order. */
  signatures: Element[];
}

/** Characters XML 1.0 §2.2 does not allow (C0 controls except tab/LF/CR, U+FFFE, U+FFFF). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding the control characters XML forbids is the point
const FORBIDDEN_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const XML_DECLARATION_ENCODING = /^<\?xml\s[^>]*?\bencoding\s*=\s*["']([^"']*)["']/;

/**
 * XML 1.0 §2.11 line-end handling only. xmldom's default also folds U+0085/U+2028/U+2029 (XML
 * 1.1 rules), which would change text an XML 1.0 signer digested.
 */
function normalizeXml10LineEnds(source: string): string {
  return source.replace(/\r\n?/g, '\n');
}

function malformed(reason: string): SamlError {
  return new SamlError('saml_xml_malformed', 'The message is not well-formed XML', { reason: clip(reason) });
}

/**
 * Parses a whole message and indexes it in one walk.
 *
 * @throws SamlError `saml_xml_malformed`, `saml_xml_doctype_forbidden`,
 *   `saml_xml_processing_instruction_forbidden`, `saml_xml_too_deep`, `saml_id_duplicate`
 */
export function parseStrictXml(xml: string): ParsedXml {
  if (FORBIDDEN_CHARS.test(xml)) throw malformed('character not allowed in XML 1.0');
  // Refused by text before parsing: a DTD can only appear inside a DOCTYPE, and refusing the
  // DOCTYPE itself gives the precise code even when its entities would fail the parse first.
  if (/<!DOCTYPE/i.test(xml)) {
    throw new SamlError('saml_xml_doctype_forbidden', 'The message carries a document type declaration');
  }
  const encoding = XML_DECLARATION_ENCODING.exec(xml)?.[1];
  if (encoding !== undefined && !/^utf-?8$/i.test(encoding)) throw malformed(`declared encoding ${encoding}`);
  checkNestingBeforeParse(xml);

  let doc: Document;
  try {
    doc = new DOMParser({
      locator: false,
      normalizeLineEndings: normalizeXml10LineEnds,
      onError: (level, message) => {
        throw new Error(`${level}: ${message}`);
      },
    }).parseFromString(xml, 'text/xml');
  } catch (cause) {
    throw malformed(cause instanceof Error ? cause.message : 'unparseable');
  }
  const root = doc.documentElement;
  if (!root) throw malformed('no root element');

  for (let n = doc.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === DOCUMENT_TYPE) {
      throw new SamlError('saml_xml_doctype_forbidden', 'The message carries a document type declaration');
    }
    // xmldom 0.9 keeps the XML declaration as a PI with target "xml"; only there is it one.
    if (n.nodeType === PROCESSING_INSTRUCTION && !(n === doc.firstChild && n.nodeName === 'xml')) {
      throw processingInstruction();
    }
  }
  return { doc, root, ...indexDocument(root) };
}

/**
 * Parses a decrypted assertion: the same rules, and its IDs must not repeat any ID of the
 * message that carried it.
 */
export function parseStrictFragment(xml: string, outerIds: ReadonlyMap<string, Element>): ParsedXml {
  const parsed = parseStrictXml(xml);
  for (const id of parsed.ids.keys()) {
    if (outerIds.has(id)) throw duplicateId(id);
  }
  return parsed;
}

function tooDeep(): SamlError {
  return new SamlError('saml_xml_too_deep', 'The message nests elements too deeply', { limit: MAX_DEPTH });
}

/**
 * Counts element nesting on the raw text before parsing: xmldom spends about 8 µs per nesting
 * level (36,000 levels fit in 256 KiB: 0.3 s), so deep nesting would make a malformed message
 * far dearer than a valid one. Exact for well-formed XML (comments, CDATA, PIs and quoted
 * attribute values are skipped); whatever it misreads, the parser refuses afterwards.
 */
function checkNestingBeforeParse(xml: string): void {
  let depth = 0;
  let i = xml.indexOf('<');
  while (i !== -1) {
    let end: number;
    if (xml.startsWith('<!--', i)) end = after(xml, '-->', i + 4);
    else if (xml.startsWith('<![CDATA[', i)) end = after(xml, ']]>', i + 9);
    else if (xml.startsWith('<?', i)) end = after(xml, '?>', i + 2);
    else if (xml.startsWith('</', i)) {
      depth--;
      end = after(xml, '>', i + 2);
    } else {
      let j = i + 1;
      let quote = 0;
      for (; j < xml.length; j++) {
        const c = xml.charCodeAt(j);
        if (quote !== 0) {
          if (c === quote) quote = 0;
        } else if (c === 0x22 || c === 0x27) quote = c;
        else if (c === 0x3e) break;
      }
      if (xml.charCodeAt(j - 1) !== 0x2f && ++depth > MAX_DEPTH) throw tooDeep();
      end = j + 1;
    }
    // Always forward, so the scan is linear whatever the input.
    if (end <= i) return; // unterminated markup: the parser refuses it
    i = xml.indexOf('<', end);
  }
}

/** The index just past the next `token` from `from`, or -1. */
function after(xml: string, token: string, from: number): number {
  const at = xml.indexOf(token, from);
  return at === -1 ? -1 : at + token.length;
}

function processingInstruction(): SamlError {
  return new SamlError(
    'saml_xml_processing_instruction_forbidden',
    'The message carries a processing instruction',
  );
}

function duplicateId(id: string): SamlError {
  return new SamlError('saml_id_duplicate', 'Two elements of the message carry the same ID', {
    id: clip(id),
  });
}

/** One iterative pre-order walk: depth limit, PIs, unique IDs, and the elements the checks need. */
function indexDocument(root: Element): Omit<ParsedXml, 'doc' | 'root'> {
  const ids = new Map<string, Element>();
  const assertions: Element[] = [];
  const signatures: Element[] = [];
  const stack: Array<[Node, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node.nodeType === PROCESSING_INSTRUCTION) throw processingInstruction();
    if (node.nodeType !== ELEMENT) continue;
    if (depth > MAX_DEPTH) throw tooDeep();
    const el = node as Element;
    let idAttributes = 0;
    for (let i = 0; i < el.attributes.length; i++) {
      const attr = el.attributes.item(i)!;
      if (attr.prefix === 'xmlns') continue; // a namespace declaration, whatever its prefix is called
      // Any ID-like attribute counts, whatever its case or namespace: a verifier elsewhere might
      // resolve a reference through it (xml-crypto tries ID, Id and id), so no value may repeat.
      if ((attr.localName ?? attr.name).toLowerCase() !== 'id') continue;
      idAttributes++;
      if (idAttributes > 1 || ids.has(attr.value)) throw duplicateId(attr.value);
      ids.set(attr.value, el);
    }
    if (
      el.namespaceURI === NS.assertion &&
      (el.localName === 'Assertion' || el.localName === 'EncryptedAssertion')
    ) {
      assertions.push(el);
    } else if (el.namespaceURI === NS.dsig && el.localName === 'Signature') {
      signatures.push(el);
    }
    // Children pushed last-first so they pop in document order.
    const children: Node[] = [];
    for (let c = el.firstChild; c; c = c.nextSibling) children.push(c);
    for (let i = children.length - 1; i >= 0; i--) stack.push([children[i]!, depth + 1]);
  }
  return { ids, assertions, signatures };
}

/** True when `node` is the element {ns}local. */
export function isElement(node: Node | null, ns: string, local: string): node is Element {
  return (
    node !== null &&
    node.nodeType === ELEMENT &&
    node.namespaceURI === ns &&
    (node as Element).localName === local
  );
}

/** The element children of `el`, in order. */
export function elementChildren(el: Element): Element[] {
  const out: Element[] = [];
  for (let c = el.firstChild; c; c = c.nextSibling) if (c.nodeType === ELEMENT) out.push(c as Element);
  return out;
}

/** The element children of `el` named {ns}local. */
export function childrenNamed(el: Element, ns: string, local: string): Element[] {
  return elementChildren(el).filter((c) => c.namespaceURI === ns && c.localName === local);
}

/**
 * An un-namespaced attribute (SAML's own attributes have no namespace), or null when absent.
 * A prefixed attribute with the same local name is never returned.
 */
export function attr(el: Element, name: string): string | null {
  const node = el.getAttributeNode(name);
  return node && !node.prefix ? node.value : null;
}

/**
 * The text of a simple-content element: its Text and CDATA children joined, comments skipped
 * (exactly what canonicalization without comments digests, so S-TXT-1/S-TXT-4 give the full
 * value). Returns null when the element has element children: simple content has none.
 */
export function simpleText(el: Element): string | null {
  let text = '';
  for (let c = el.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === TEXT || c.nodeType === CDATA) text += (c as unknown as { data: string }).data;
    else if (c.nodeType === ELEMENT) return null;
  }
  return text;
}

/** True when every child of `el` is a Text node (no comment, CDATA or element): for DigestValue/SignatureValue. */
export function hasOnlyTextChildren(el: Element): boolean {
  for (let c = el.firstChild; c; c = c.nextSibling) if (c.nodeType !== TEXT) return false;
  return true;
}

/** All Text and CDATA descendants joined, comments skipped (complex AttributeValue content). */
export function deepText(el: Element): string {
  let text = '';
  for (let c = el.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === TEXT || c.nodeType === CDATA) text += (c as unknown as { data: string }).data;
    else if (c.nodeType === ELEMENT) text += deepText(c as Element);
  }
  return text;
}

/** True when every child of `el` is a comment or whitespace-only text. */
export function isEmptyOfText(el: Element): boolean {
  for (let c = el.firstChild; c; c = c.nextSibling) {
    if ((c.nodeType === TEXT || c.nodeType === CDATA) && /\S/.test((c as unknown as { data: string }).data)) {
      return false;
    }
  }
  return true;
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * An xs:dateTime as epoch ms, or null when it is not one. SAML Core 1.3.3 wants UTC ("Z");
 * an explicit offset is applied exactly. A time without a zone is refused rather than read as
 * local time.
 */
export function parseDateTime(value: string): number | null {
  const m = DATE_TIME.exec(value);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return null;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth) return null;
  const millis = m[7] ? Math.floor(Number(`0${m[7]}`) * 1000) : 0;
  const zone = m[8]!;
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const zh = Number(zone.slice(1, 3));
    const zm = Number(zone.slice(4, 6));
    if (zh > 14 || zm > 59) return null;
    offsetMinutes = sign * (zh * 60 + zm);
  }
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, millis);
  return utc.getTime() - offsetMinutes * 60_000;
}
