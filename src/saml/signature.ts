/**
 * XML-DSig core validation (XML Signature Syntax and Processing 1.1 §3.2) of one enveloped
 * signature whose shape checks/check-signature-shape.ts already accepted: SignedInfo is
 * canonicalized and its SignatureValue verified with a configured IdP key only (KeyInfo is never
 * read: S-KEY-1, S-KEY-2, S-KEY-3), then the signed element is canonicalized with the enveloped
 * signature left out and its digest compared (S-SIG-5, S-SIG-6).
 *
 * Canonicalization is xml-crypto's (its c14n classes run directly on our one DOM); digests and
 * RSA verification are node:crypto. Nothing is XPath, nothing is parsed twice: the element the
 * caller reads afterwards is the very node that was canonicalized and digested, so what is
 * consumed is what was signed (S-WRAP-8, S-PD-6).
 *
 * Why the live DOM rather than a copy: cloning an assertion in xmldom costs as much as parsing
 * the whole message (about 3,000/s, measured), so the enveloped signature is detached for the
 * duration of the canonicalization and put back. A copy is made only where xml-crypto would
 * write to the node it canonicalizes (exclusive c14n with an InclusiveNamespaces prefix that an
 * ancestor declares: it adds the xmlns attribute to the apex) or where comments must be
 * removed first (a #WithComments transform on a same-document reference, XML-DSig §4.4.3.3).
 */
import { createHash, type KeyObject, timingSafeEqual, verify } from 'node:crypto';
import type { Element, Node } from '@xmldom/xmldom';
import {
  C14nCanonicalization,
  C14nCanonicalizationWithComments,
  ExclusiveCanonicalization,
  ExclusiveCanonicalizationWithComments,
} from 'xml-crypto';
import { EnvelopedSignature } from 'xml-crypto/lib/enveloped-signature.js';
import { findAncestorNsForElement } from 'xml-crypto/lib/utils.js';
import type { SignatureShape } from './checks/check-signature-shape.ts';
import { SamlError } from './errors.ts';
import { NS } from './xml.ts';

export const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
export const EXC_C14N_WITH_COMMENTS = 'http://www.w3.org/2001/10/xml-exc-c14n#WithComments';
export const C14N_10 = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315';
export const C14N_10_WITH_COMMENTS = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments';
export const ENVELOPED_SIGNATURE = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';

/** Exclusive c14n and c14n 1.0, both without comments (Flagsmith's default allowlist). */
export const DEFAULT_CANONICALIZATIONS: readonly string[] = Object.freeze([EXC_C14N, C14N_10]);

interface Canonicalizer {
  process(node: unknown, options: Record<string, unknown>): string;
}

/** The canonicalizations this implementation can run; an allowlist entry outside it never matches. */
export const CANONICALIZERS: Readonly<Record<string, Canonicalizer>> = {
  [EXC_C14N]: new ExclusiveCanonicalization(),
  [EXC_C14N_WITH_COMMENTS]: new ExclusiveCanonicalizationWithComments(),
  [C14N_10]: new C14nCanonicalization(),
  [C14N_10_WITH_COMMENTS]: new C14nCanonicalizationWithComments(),
};

/** Signature methods: RSA PKCS#1 v1.5 only (SHA-1 behind `allowSha1`); no HMAC, no PSS, no ECDSA. */
export const SIGNATURE_METHODS: Readonly<Record<string, { hash: string; sha1: boolean }>> = {
  'http://www.w3.org/2000/09/xmldsig#rsa-sha1': { hash: 'sha1', sha1: true },
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256': { hash: 'sha256', sha1: false },
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha384': { hash: 'sha384', sha1: false },
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512': { hash: 'sha512', sha1: false },
};

export const DIGEST_METHODS: Readonly<Record<string, { hash: string; sha1: boolean; bytes: number }>> = {
  'http://www.w3.org/2000/09/xmldsig#sha1': { hash: 'sha1', sha1: true, bytes: 20 },
  'http://www.w3.org/2001/04/xmlenc#sha256': { hash: 'sha256', sha1: false, bytes: 32 },
  'http://www.w3.org/2001/04/xmldsig-more#sha384': { hash: 'sha384', sha1: false, bytes: 48 },
  'http://www.w3.org/2001/04/xmlenc#sha512': { hash: 'sha512', sha1: false, bytes: 64 },
};

const DS_PREFIXES = { ds: NS.dsig };
const COMMENT = 8;
const enveloped = new EnvelopedSignature();

interface C14nJob {
  algorithm: string;
  inclusivePrefixes: readonly string[];
  /** The enveloped signature to leave out (a child of the element), or null. */
  leaveOut: Element | null;
  /** Same-document references are dereferenced without comments (XML-DSig §4.4.3.3). */
  dropComments: boolean;
}

function removeComments(root: Node): void {
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (let c = node.firstChild; c; ) {
      const next = c.nextSibling;
      if (c.nodeType === COMMENT) node.removeChild(c);
      else stack.push(c);
      c = next;
    }
  }
}

function hasComments(root: Node): boolean {
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (let c = node.firstChild; c; c = c.nextSibling) {
      if (c.nodeType === COMMENT) return true;
      stack.push(c);
    }
  }
  return false;
}

/** Canonical form of `el` per `job`; the document is left exactly as it was. */
export function canonicalize(el: Element, job: C14nJob): string {
  const c14n = CANONICALIZERS[job.algorithm];
  if (!c14n) throw new SamlError('saml_canonicalization_forbidden', 'Unsupported canonicalization');
  const ancestorNamespaces = findAncestorNsForElement(el as never);
  const exclusive = job.algorithm === EXC_C14N || job.algorithm === EXC_C14N_WITH_COMMENTS;
  const options = {
    defaultNsForPrefix: DS_PREFIXES,
    inclusiveNamespacesPrefixList: [...job.inclusivePrefixes],
    // Exclusive c14n needs the ancestors only for InclusiveNamespaces prefixes, and then writes
    // them onto the apex: pass them only to a copy (below).
    ancestorNamespaces: exclusive ? [] : ancestorNamespaces,
  };
  const writesToApex =
    exclusive && job.inclusivePrefixes.some((p) => ancestorNamespaces.some((a) => a.prefix === p));
  const mustDropComments = job.dropComments && job.algorithm.endsWith('#WithComments') && hasComments(el);

  if (writesToApex || mustDropComments) {
    const copy = el.cloneNode(true) as Element;
    if (job.leaveOut) {
      const index = indexAmongChildren(el, job.leaveOut);
      copy.removeChild(copy.childNodes.item(index)!);
    }
    if (mustDropComments) removeComments(copy);
    return run(c14n, copy, { ...options, ancestorNamespaces });
  }

  const signature = job.leaveOut;
  const next = signature?.nextSibling ?? null;
  if (signature) enveloped.process(el as never, { signatureNode: signature as never });
  try {
    return run(c14n, el, options);
  } finally {
    if (signature) el.insertBefore(signature, next);
  }
}

/** xml-crypto throws plain Errors on nodes it cannot render (an empty CDATA section, for one). */
function run(c14n: Canonicalizer, el: Element, options: Record<string, unknown>): string {
  try {
    return c14n.process(el, options);
  } catch {
    throw new SamlError('saml_signature_invalid', 'The signed content cannot be canonicalized', {
      reason: 'canonicalization_failed',
    });
  }
}

function indexAmongChildren(parent: Element, child: Element): number {
  let i = 0;
  for (let c = parent.firstChild; c; c = c.nextSibling, i++) if (c === child) return i;
  throw new SamlError('saml_signature_invalid', 'The signature is not a child of the signed element', {
    reason: 'signature_misplaced',
  });
}

function verifiesWithAny(hash: string, data: Buffer, keys: readonly KeyObject[], signature: Buffer): boolean {
  for (const key of keys) {
    try {
      if (verify(hash, data, key, signature)) return true;
    } catch {
      // A malformed signature value for this key size is simply not a valid signature.
    }
  }
  return false;
}

/**
 * Verifies one enveloped signature: SignatureValue over canonical SignedInfo with a configured
 * key (the cheaper step, so a forgery stops there), then the digest of the signed element.
 *
 * @throws SamlError `saml_signature_invalid`
 */
export function verifySignature(shape: SignatureShape, idpKeys: readonly KeyObject[]): void {
  const signedInfo = canonicalize(shape.signedInfo, {
    algorithm: shape.canonicalization,
    inclusivePrefixes: shape.signedInfoPrefixes,
    leaveOut: null,
    dropComments: false,
  });
  if (!verifiesWithAny(shape.hash, Buffer.from(signedInfo, 'utf8'), idpKeys, shape.signatureValue)) {
    throw new SamlError(
      'saml_signature_invalid',
      'The signature does not verify with the configured IdP certificates',
      {
        reason: 'signature_value',
        signedElement: shape.signedElement.localName,
      },
    );
  }
  const content = canonicalize(shape.signedElement, {
    algorithm: shape.reference.canonicalization,
    inclusivePrefixes: shape.reference.inclusivePrefixes,
    leaveOut: shape.signature,
    dropComments: true,
  });
  // S-PD-3: an empty canonical form means the canonicalizer saw nothing; never a valid reference.
  const digest =
    content.length > 0 ? createHash(shape.reference.hash).update(content, 'utf8').digest() : Buffer.alloc(0);
  const expected = shape.reference.digestValue;
  if (digest.length !== expected.length || !timingSafeEqual(digest, expected)) {
    throw new SamlError('saml_signature_invalid', 'The signed content was changed after signing', {
      reason: 'digest_mismatch',
      signedElement: shape.signedElement.localName,
    });
  }
}
