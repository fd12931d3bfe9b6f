/**
 * SAML Core 5.4.1-5.4.2 and XML-DSig enveloped signatures: a signature signs the element it is a
 * direct child of, and a SAML element carries at most one. Every ds:Signature anywhere in the
 * message must sit on an element this profile lets be signed (the Response, its one assertion)
 * and will then be verified: a signature somewhere else is refused, not ignored.
 *
 * Closes: S-SIG-9 (signature not a direct child), S-SIG-10 (two signatures on one element),
 * S-XSW-1, S-XSW-2, S-WRAP-3, S-WRAP-4 (signatures moved or copied elsewhere), S-PD-4
 * (signatures are recognised by namespace URI, never by prefix).
 */
import type { Element } from '@xmldom/xmldom';
import { clip, SamlError } from '../errors.ts';

/**
 * Maps each signed element to its signature.
 *
 * @throws SamlError `saml_signature_invalid`
 */
export function checkSignaturePlacement(
  signatures: readonly Element[],
  signable: readonly Element[],
): Map<Element, Element> {
  const bySigned = new Map<Element, Element>();
  for (const signature of signatures) {
    const parent = signature.parentNode as Element | null;
    if (!parent || !signable.includes(parent)) {
      throw new SamlError('saml_signature_invalid', 'A signature sits where no signature may be', {
        reason: 'signature_misplaced',
        parent: clip(parent?.nodeName),
      });
    }
    if (bySigned.has(parent)) {
      throw new SamlError('saml_signature_invalid', 'An element carries more than one signature', {
        reason: 'multiple_signatures',
        parent: clip(parent.nodeName),
      });
    }
    bySigned.set(parent, signature);
  }
  return bySigned;
}
