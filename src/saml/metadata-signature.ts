/**
 * Signed metadata (SAML Metadata 2.0 §3, XML-DSig): only a configured signer counts, the
 * signature must envelop the element that carries it, and what is read afterwards is the
 * signed content itself.
 */
import type { Element } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { assertMetadataRoot, attr, children, DS, fail, parseStrict } from './metadata-xml.ts';
import { derToPem, parseCertificatePem } from './sp-keys.ts';

// rsa-sha1, dsa-sha1, ecdsa-sha1 and the sha1 digest.
const SHA1_ALGORITHM = /[#-]sha1$/;

export function signerKeys(pems: string[] | undefined): string[] {
  if (!pems || pems.length === 0) {
    fail('saml_certificate_invalid', 'a metadata signature is required but no signer is configured');
  }
  return pems.map((pem) => derToPem(parseCertificatePem(pem).der));
}

/**
 * Verifies the ds:Signature that is a child of `el` and returns the signed element, parsed
 * again from the bytes the signature covers. Everything read afterwards comes from there, so
 * content outside the signature (wrapping, a second entity with the same ID) is never seen.
 */
export function verifiedElement(el: Element, xml: string, signers: string[], allowSha1: boolean): Element {
  const signatures = children(el, DS, 'Signature');
  if (signatures.length === 0) fail('saml_metadata_unsigned', `${el.localName} carries no signature`);
  if (signatures.length > 1) fail('saml_metadata_signature_invalid', 'two signatures on one element');
  const signature = signatures[0]!;
  const signedInfo = children(signature, DS, 'SignedInfo')[0];
  const references = signedInfo ? children(signedInfo, DS, 'Reference') : [];
  if (references.length !== 1)
    fail('saml_metadata_signature_invalid', 'the signature must have one Reference');
  // The reference must point at the element the signature sits in (enveloped), nothing else.
  const uri = attr(references[0]!, 'URI') ?? '';
  const id = attr(el, 'ID');
  const isRoot = el.ownerDocument?.documentElement === el;
  if (!(id !== null && uri === `#${id}`) && !(uri === '' && isRoot)) {
    fail('saml_metadata_signature_invalid', 'the signature does not cover the element that carries it');
  }
  if (!allowSha1) {
    for (const method of [
      ...children(signedInfo!, DS, 'SignatureMethod'),
      ...children(references[0]!, DS, 'DigestMethod'),
    ]) {
      if (SHA1_ALGORITHM.test(attr(method, 'Algorithm') ?? '')) {
        fail('saml_metadata_signature_algorithm_refused', 'the metadata is signed with SHA-1');
      }
    }
  }
  for (const publicCert of signers) {
    // KeyInfo in the document is ignored: only a configured signer is trusted.
    const sig = new SignedXml({ publicCert, getCertFromKeyInfo: () => null });
    let signed: string[] = [];
    try {
      sig.loadSignature(signature as unknown as Parameters<SignedXml['loadSignature']>[0]);
      if (sig.checkSignature(xml)) signed = sig.getSignedReferences();
    } catch {
      // A wrong key, an unsupported transform or a digest mismatch: try the next signer.
      signed = [];
    }
    if (signed.length === 1) {
      const verified = parseStrict(signed[0]!).documentElement!;
      assertMetadataRoot(verified);
      return verified;
    }
  }
  fail(
    'saml_metadata_signature_invalid',
    'the metadata signature does not verify with any signer certificate',
  );
}
