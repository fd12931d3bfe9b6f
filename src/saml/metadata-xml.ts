/**
 * Strict reading of metadata documents (shared by the IdP-metadata parser and its signature
 * check): well-formed XML only, no DTD, bounded nesting, elements matched by namespace.
 */
import { DOMParser, type Document, type Element, type Node } from '@xmldom/xmldom';
import { SamlConfigError, type SamlConfigErrorCode } from './config-errors.ts';
import { isXmlDocumentText } from './xml-escape.ts';

export const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
export const DS = 'http://www.w3.org/2000/09/xmldsig#';
const MAX_DEPTH = 64;

export function fail(code: SamlConfigErrorCode, message: string, cause?: unknown): never {
  throw new SamlConfigError(code, message, cause === undefined ? undefined : { cause });
}

/** Parses `xml` strictly: any xmldom warning or error, a DTD or an illegal character refuses it. */
export function parseStrict(xml: string): Document {
  // A DTD is the only way to declare entities (billion laughs) or external entities (XXE);
  // metadata never needs one, so it is refused before the parser sees it.
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) fail('saml_metadata_malformed', 'a DTD is not allowed');
  // xmldom accepts control characters and references to them; XML 1.0 §2.2 does not.
  if (!isXmlDocumentText(xml)) fail('saml_metadata_malformed', 'the document holds a non-XML character');
  let doc: Document;
  try {
    doc = new DOMParser({
      onError: (level, message) => {
        throw new Error(`${level}: ${message}`);
      },
    }).parseFromString(xml, 'text/xml');
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message.split('\n')[0]!.slice(0, 200) : 'parse error';
    fail('saml_metadata_malformed', `not well-formed XML (${detail})`, cause);
  }
  if (!doc.documentElement || doc.doctype) fail('saml_metadata_malformed', 'not an XML document');
  // Real metadata nests about ten levels deep; thousands would overflow the stack of every
  // recursive reader after this one (ours, xml-crypto's canonicalisation, textContent).
  const stack: [Node, number][] = [[doc.documentElement, 1]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [node, depth] = item;
    if (depth > MAX_DEPTH) fail('saml_metadata_malformed', `elements nest deeper than ${MAX_DEPTH} levels`);
    for (let c = node.firstChild; c; c = c.nextSibling) if (c.nodeType === 1) stack.push([c, depth + 1]);
  }
  return doc;
}

export function children(el: Element, ns: string, localName: string): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) {
    const e = n as Element;
    if (n.nodeType === 1 && e.namespaceURI === ns && e.localName === localName) out.push(e);
  }
  return out;
}

export function is(el: Element, localName: string): boolean {
  return el.namespaceURI === MD && el.localName === localName;
}

export function attr(el: Element, name: string): string | null {
  return el.hasAttribute(name) ? el.getAttribute(name) : null;
}

export function assertMetadataRoot(root: Element): void {
  if (!is(root, 'EntityDescriptor') && !is(root, 'EntitiesDescriptor')) {
    fail(
      'saml_metadata_malformed',
      `the root element must be md:EntityDescriptor or md:EntitiesDescriptor, not ${root.nodeName}`,
    );
  }
}
