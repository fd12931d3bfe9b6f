/**
 * XML-DSig 1.1 §4 (Signature, SignedInfo, Reference) as SAML Core 5.4 profiles it: one enveloped
 * signature over its parent, one Reference whose URI is "#" + the parent's ID, transforms
 * limited to enveloped-signature and one allowlisted canonicalization, allowlisted algorithms.
 * Everything is read from the same SignedInfo node that is canonicalized and verified, by
 * direct child position only (never a document-wide search).
 *
 * Closes: S-SIG-2, S-SIG-12 (no SignedInfo/SignatureValue), S-DIG-2 (several SignedInfo),
 * S-DIG-3 (a SignedInfo elsewhere is never read), S-DIG-4 (DigestValue read only from the one
 * Reference), S-DIG-1 (a DigestValue with a comment or any non-text child), S-DIG-5 and S-DOS-9
 * (exactly one Reference), S-SIG-7, S-SIG-8, S-WRAP-11 (Reference URI must be "#" + parent ID),
 * S-SIG-11 (at most 2 transforms), S-KEY-7, S-KEY-8 (XSLT/XPath transforms), S-TXT-6
 * (#WithComments only when allowlisted), S-KEY-4 (HMAC), S-KEY-5 (SHA-1 unless allowed),
 * S-KEY-6, S-KEY-12 (unknown methods, RSA-PSS not allowlisted), S-WRAP-3, S-WRAP-4, S-XSW-6,
 * S-XSW-8 (no ds:Object: SAML never uses one, and wrapping attacks hide content there).
 */
import type { Element } from '@xmldom/xmldom';
import { clip, SamlError } from '../errors.ts';
import {
  C14N_10,
  CANONICALIZERS,
  DIGEST_METHODS,
  ENVELOPED_SIGNATURE,
  EXC_C14N,
  EXC_C14N_WITH_COMMENTS,
  SIGNATURE_METHODS,
} from '../signature.ts';
import { attr, elementChildren, hasOnlyTextChildren, NS } from '../xml.ts';
import { decodeBase64Value } from './check-encoding.ts';
import type { ValidationPolicy } from './check-settings.ts';

const EXC_C14N_NS = 'http://www.w3.org/2001/10/xml-exc-c14n#';

export interface SignatureShape {
  signature: Element;
  /** The signature's parent: the only element it may sign. */
  signedElement: Element;
  signedInfo: Element;
  canonicalization: string;
  signedInfoPrefixes: string[];
  /** node:crypto hash name of the signature method. */
  hash: string;
  signatureValue: Buffer;
  reference: { canonicalization: string; inclusivePrefixes: string[]; hash: string; digestValue: Buffer };
}

function invalid(reason: string, message: string, extra?: Record<string, unknown>): SamlError {
  return new SamlError('saml_signature_invalid', message, { reason, ...extra });
}

/** The element children of `el`, each required to be ds:<one of names>, grouped by name. */
function dsChildren(el: Element, names: readonly string[]): Map<string, Element[]> {
  const groups = new Map<string, Element[]>(names.map((n) => [n, []]));
  for (const child of elementChildren(el)) {
    const group = child.namespaceURI === NS.dsig ? groups.get(child.localName ?? '') : undefined;
    if (!group) {
      throw invalid('unexpected_element', `Unexpected element in ds:${el.localName}`, {
        element: clip(child.tagName),
      });
    }
    group.push(child);
  }
  return groups;
}

function exactlyOne(groups: Map<string, Element[]>, name: string, parent: string): Element {
  const found = groups.get(name)!;
  if (found.length !== 1) {
    throw invalid(`${name}_count`, `ds:${parent} must hold exactly one ds:${name}`, { count: found.length });
  }
  return found[0]!;
}

function algorithmOf(el: Element): string {
  return attr(el, 'Algorithm') ?? '';
}

/**
 * An allowlisted canonicalization, and the InclusiveNamespaces prefixes under its element
 * (`null` for the implicit c14n 1.0 that has no element).
 */
function canonicalizationOf(el: Element | null, algorithm: string, policy: ValidationPolicy): string[] {
  if (!CANONICALIZERS[algorithm] || !policy.canonicalizations.has(algorithm)) {
    throw new SamlError('saml_canonicalization_forbidden', 'The canonicalization method is not allowed', {
      algorithm: clip(algorithm),
    });
  }
  const exclusive = algorithm === EXC_C14N || algorithm === EXC_C14N_WITH_COMMENTS;
  const prefixes: string[] = [];
  for (const child of el ? elementChildren(el) : []) {
    if (!exclusive || child.namespaceURI !== EXC_C14N_NS || child.localName !== 'InclusiveNamespaces') {
      throw new SamlError('saml_transform_forbidden', 'Unexpected parameter of a canonicalization method', {
        element: clip(child.tagName),
      });
    }
    prefixes.push(...(attr(child, 'PrefixList') ?? '').split(/\s+/).filter((p) => p !== ''));
  }
  return prefixes;
}

function checkHash(entry: { sha1: boolean } | undefined, algorithm: string, policy: ValidationPolicy): void {
  if (!entry) {
    throw new SamlError(
      'saml_signature_algorithm_forbidden',
      'The signature or digest algorithm is not allowed',
      {
        algorithm: clip(algorithm),
      },
    );
  }
  if (entry.sha1 && !policy.allowSha1) {
    throw new SamlError('saml_signature_algorithm_forbidden', 'SHA-1 is not allowed for this configuration', {
      algorithm,
    });
  }
}

/** Transforms: enveloped-signature, then at most one allowlisted canonicalization. */
function referenceTransforms(transforms: Element[], policy: ValidationPolicy) {
  if (transforms.length !== 1)
    throw new SamlError('saml_transform_forbidden', 'The reference must list its transforms');
  const list = dsChildren(transforms[0]!, ['Transform']).get('Transform')!;
  if (list.length === 0 || list.length > 2) {
    throw new SamlError('saml_transform_forbidden', 'A reference takes one or two transforms', {
      count: list.length,
    });
  }
  const [first, second] = list as [Element, Element | undefined];
  // The enveloped-signature transform takes no parameters, so any child is ignored, never read
  // (xml-crypto's signer copies its InclusiveNamespaces element into every transform).
  if (algorithmOf(first) !== ENVELOPED_SIGNATURE) {
    throw new SamlError('saml_transform_forbidden', 'The first transform must be enveloped-signature', {
      algorithm: clip(algorithmOf(first)),
    });
  }
  if (!second) {
    // XML-DSig §4.4.3.2: a node-set left after the transforms is converted with c14n 1.0.
    return { canonicalization: C14N_10, inclusivePrefixes: canonicalizationOf(null, C14N_10, policy) };
  }
  const algorithm = algorithmOf(second);
  if (!CANONICALIZERS[algorithm]) {
    throw new SamlError('saml_transform_forbidden', 'The transform is not allowed', {
      algorithm: clip(algorithm),
    });
  }
  return { canonicalization: algorithm, inclusivePrefixes: canonicalizationOf(second, algorithm, policy) };
}

function base64Value(el: Element, name: string): Buffer {
  const text = hasOnlyTextChildren(el) ? (el.textContent ?? '') : null;
  const bytes = text === null ? null : decodeBase64Value(text);
  if (!bytes) throw invalid(`${name}_not_base64`, `ds:${name} must be base64 text only`);
  return bytes;
}

/**
 * Reads and checks the shape of one ds:Signature (its placement is checked beforehand).
 *
 * @throws SamlError `saml_signature_invalid`, `saml_canonicalization_forbidden`,
 *   `saml_signature_algorithm_forbidden`, `saml_transform_forbidden`
 */
export function checkSignatureShape(signature: Element, policy: ValidationPolicy): SignatureShape {
  const signedElement = signature.parentNode as Element;
  const parts = dsChildren(signature, ['SignedInfo', 'SignatureValue', 'KeyInfo']);
  const signedInfo = exactlyOne(parts, 'SignedInfo', 'Signature');
  const signatureValueEl = exactlyOne(parts, 'SignatureValue', 'Signature');
  if (parts.get('KeyInfo')!.length > 1)
    throw invalid('KeyInfo_count', 'ds:Signature holds several ds:KeyInfo');

  const info = dsChildren(signedInfo, ['CanonicalizationMethod', 'SignatureMethod', 'Reference']);
  const c14nEl = exactlyOne(info, 'CanonicalizationMethod', 'SignedInfo');
  const methodEl = exactlyOne(info, 'SignatureMethod', 'SignedInfo');
  const referenceEl = exactlyOne(info, 'Reference', 'SignedInfo');

  const canonicalization = algorithmOf(c14nEl);
  const signedInfoPrefixes = canonicalizationOf(c14nEl, canonicalization, policy);
  const method = SIGNATURE_METHODS[algorithmOf(methodEl)];
  checkHash(method, algorithmOf(methodEl), policy);

  // The reference must name the signature's own parent, by its ID and nothing else: no empty
  // URI (whole document), no XPointer, no other element.
  const id = attr(signedElement, 'ID');
  const uri = attr(referenceEl, 'URI');
  if (!id || uri !== `#${id}`) {
    throw invalid('reference_uri', 'The signature does not reference the element that holds it', {
      uri: clip(uri),
      parentId: clip(id),
    });
  }
  const ref = dsChildren(referenceEl, ['Transforms', 'DigestMethod', 'DigestValue']);
  const transforms = referenceTransforms(ref.get('Transforms')!, policy);
  const digestMethodEl = exactlyOne(ref, 'DigestMethod', 'Reference');
  const digest = DIGEST_METHODS[algorithmOf(digestMethodEl)];
  checkHash(digest, algorithmOf(digestMethodEl), policy);
  const digestValue = base64Value(exactlyOne(ref, 'DigestValue', 'Reference'), 'DigestValue');
  if (digestValue.length !== digest!.bytes)
    throw invalid('DigestValue_length', 'ds:DigestValue has the wrong length');

  return {
    signature,
    signedElement,
    signedInfo,
    canonicalization,
    signedInfoPrefixes,
    hash: method!.hash,
    signatureValue: base64Value(signatureValueEl, 'SignatureValue'),
    reference: { ...transforms, hash: digest!.hash, digestValue },
  };
}
