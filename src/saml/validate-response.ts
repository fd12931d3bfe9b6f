/**
 * Validates a SAML 2.0 Response received at the ACS (HTTP-POST binding) and returns the facts
 * of its one assertion. Pure: no I/O, no clock but `now`. InResponseTo pairing, the
 * IdP-initiated switch and the assertion-ID replay cache are the caller's (they need storage).
 *
 * The validator is a list of named checks, cheapest first, so a forged or malformed message
 * never costs more than a valid one: size and encoding, one strict parse, the Response
 * envelope, the single assertion, signature placement and shape (algorithms, references,
 * transforms), which signatures the policy requires, the assertion's semantic checks, and only
 * then the cryptography. Facts leave only after every signature present has verified with a
 * configured certificate, and they are read from the very elements that were digested.
 * Decisions a reviewer should know are listed in docs/saml-validation-decisions.md.
 */
import { type AssertionFacts, readAssertion } from './assertion.ts';
import { checkDestination } from './checks/check-destination.ts';
import { decodeSamlResponse } from './checks/check-encoding.ts';
import { checkEncryption } from './checks/check-encryption.ts';
import { checkIssuer } from './checks/check-issuer.ts';
import { checkResponseRoot, type ResponseEnvelope } from './checks/check-response-root.ts';
import { resolvePolicy, type ValidationPolicy } from './checks/check-settings.ts';
import { checkSignatureCoverage } from './checks/check-signature-coverage.ts';
import { checkSignaturePlacement } from './checks/check-signature-placement.ts';
import { checkSignatureShape } from './checks/check-signature-shape.ts';
import { checkSingleAssertion } from './checks/check-single-assertion.ts';
import { checkStatus } from './checks/check-status.ts';
import { DECRYPTION_FAILED, decryptAssertion } from './decrypt.ts';
import { SamlError } from './errors.ts';
import { verifySignature } from './signature.ts';
import { isElement, NS, type ParsedXml, parseStrictFragment, parseStrictXml } from './xml.ts';

export { DEFAULT_CANONICALIZATIONS } from './signature.ts';

export interface ResponseValidationSettings {
  /** The only acceptable Audience. */
  spEntityId: string;
  /** Destination (if present) and SubjectConfirmationData@Recipient must name it. */
  acsUrl: string;
  /** Response Issuer (if present) and Assertion Issuer must equal it. */
  idpEntityId: string;
  /** PEM certificates (several during a rollover, each accepted); KeyInfo in the message is never used. */
  idpCertificates: string[];
  /** Default true; if false, a Response signature (which covers the assertion) is enough. */
  requireSignedAssertion: boolean;
  /** SHA-1 signature and digest methods are refused unless true. */
  allowSha1: boolean;
  /** Canonicalization URIs allowed in SignedInfo and in Reference transforms. */
  allowedCanonicalizations: string[];
  /** Default 60. */
  clockSkewSeconds: number;
  /** PEM private keys (current and previous SP encryption key) for EncryptedAssertion. */
  decryptionKeys: string[];
  /** A plain (unencrypted) assertion is refused when true. */
  wantAssertionsEncrypted: boolean;
  /** Default 256 KiB of decoded XML; the base64 length is checked before decoding. */
  maxResponseBytes?: number;
  /** Refuse assertions issued, or logins authenticated, longer ago than this (S-SEM-35); null: no limit. */
  maxAssertionAgeSeconds?: number | null;
  /** When not empty, the AuthnContextClassRef must be one of these (S-SEM-38, e.g. MFA). */
  requiredAuthnContexts?: string[];
}

export interface ValidatedAssertion {
  responseId: string;
  assertionId: string;
  /** The assertion's Issuer (equal to the configured IdP entity ID). */
  issuer: string;
  /**
   * The request this answers: SubjectConfirmationData@InResponseTo, else Response@InResponseTo
   * when the Response signature covered it, else null (unsolicited). Both must agree when present.
   */
  inResponseTo: string | null;
  /** NameID text verbatim (not trimmed, not case-folded), or null when the Subject has no NameID. */
  nameId: string | null;
  nameIdFormat: string | null;
  sessionIndex: string | null;
  /** Attribute values by Attribute Name (not FriendlyName); a Name appears once. */
  attributes: Record<string, string[]>;
  /**
   * Epoch ms: the earlier of SubjectConfirmationData and Conditions NotOnOrAfter, as sent (skew
   * not added); the assertion is accepted until this instant plus the skew.
   */
  notOnOrAfter: number;
  authnInstant: number | null;
  /** AuthnStatement@SessionNotOnOrAfter: the IdP's limit on the session it started (S-SEM-33). */
  sessionNotOnOrAfter: number | null;
  authnContextClassRef: string | null;
  encrypted: boolean;
}

/**
 * Validates a base64 SAMLResponse (SAML Core 2.0, Profiles 2.0 §4.1.4, XML-DSig, XML-Enc).
 *
 * @throws SamlError with the code of the first rule the message breaks
 * @throws SamlConfigError when the settings cannot verify anything (no certificate, bad key)
 */
export function validateResponse(
  samlResponseBase64: string,
  settings: ResponseValidationSettings,
  now: number,
): ValidatedAssertion {
  const policy = resolvePolicy(settings);
  const xml = decodeSamlResponse(samlResponseBase64, policy.maxResponseBytes);
  const parsed = parseStrictXml(xml);
  const envelope = checkResponseRoot(parsed);
  checkDestination(envelope, policy);
  checkIssuer(envelope.issuer, 'response', policy);
  checkStatus(envelope.status);
  const slot = checkSingleAssertion(parsed, policy);
  return slot.kind === 'plain'
    ? validatePlainAssertion(parsed, envelope, policy, now)
    : validateEncryptedAssertion(parsed, envelope, policy, now);
}

function validatePlainAssertion(
  parsed: ParsedXml,
  envelope: ResponseEnvelope,
  policy: ValidationPolicy,
  now: number,
): ValidatedAssertion {
  const assertion = parsed.assertions[0]!;
  const signed = checkSignaturePlacement(parsed.signatures, [envelope.response, assertion]);
  const shapes = [...signed.values()].map((signature) => checkSignatureShape(signature, policy));
  const responseSigned = signed.has(envelope.response);
  checkSignatureCoverage(signed.has(assertion), responseSigned, policy);
  const facts = readAssertion(assertion, envelope.inResponseTo, policy, now);
  for (const shape of shapes) verifySignature(shape, policy.idpKeys);
  return validated(envelope, facts, responseSigned, false);
}

function validateEncryptedAssertion(
  parsed: ParsedXml,
  envelope: ResponseEnvelope,
  policy: ValidationPolicy,
  now: number,
): ValidatedAssertion {
  const encrypted = parsed.assertions[0]!;
  const signed = checkSignaturePlacement(parsed.signatures, [envelope.response]);
  const responseSignature = signed.get(envelope.response);
  const responseShape = responseSignature ? checkSignatureShape(responseSignature, policy) : null;
  checkEncryption(encrypted);
  // The Response signature is verified before any private-key operation: a signed Response
  // then guarantees the ciphertext is the IdP's, and a forgery costs no RSA decryption.
  if (responseShape) verifySignature(responseShape, policy.idpKeys);
  const responseSigned = responseShape !== null;
  try {
    const plaintext = decryptAssertion(encrypted, policy.decryptionKeys, policy.maxResponseBytes);
    const inner = parseDecrypted(plaintext, parsed);
    const assertion = inner.root;
    const innerSigned = checkSignaturePlacement(inner.signatures, [assertion]);
    const innerSignature = innerSigned.get(assertion);
    const shape = innerSignature ? checkSignatureShape(innerSignature, policy) : null;
    checkSignatureCoverage(shape !== null, responseSigned, policy);
    const facts = readAssertion(assertion, envelope.inResponseTo, policy, now);
    if (shape) verifySignature(shape, policy.idpKeys);
    return validated(envelope, facts, responseSigned, true);
  } catch (error) {
    if (responseSigned || !(error instanceof SamlError) || error.code === 'saml_decryption_failed')
      throw error;
    // Without a Response signature the ciphertext may be an attacker's edit of a captured one;
    // any answer that differs with the plaintext (malformed, unsigned, wrong audience...) would
    // be a decryption oracle (Jager and Somorovsky, CCS 2011), so all of them get one code.
    // The real reason stays in the detail, for the admin trace only.
    throw new SamlError('saml_decryption_failed', DECRYPTION_FAILED, {
      reason: 'masked',
      cause: error.code,
      causeDetail: error.detail ?? null,
    });
  }
}

/** The decrypted assertion: strictly parsed, an Assertion at its root, the only one (S-ENC-4). */
function parseDecrypted(plaintext: string, outer: ParsedXml): ParsedXml {
  let inner: ParsedXml;
  try {
    inner = parseStrictFragment(plaintext, outer.ids);
  } catch (error) {
    if (error instanceof SamlError && error.code === 'saml_id_duplicate') throw error;
    throw new SamlError('saml_decryption_failed', DECRYPTION_FAILED, {
      reason: 'plaintext',
      cause: error instanceof SamlError ? error.code : null,
    });
  }
  if (!isElement(inner.root, NS.assertion, 'Assertion')) {
    throw new SamlError('saml_decryption_failed', DECRYPTION_FAILED, {
      reason: 'not_assertion',
    });
  }
  if (inner.assertions.length !== 1) {
    throw new SamlError('saml_assertion_multiple', 'The encrypted assertion holds further assertions', {
      count: inner.assertions.length,
    });
  }
  return inner;
}

function validated(
  envelope: ResponseEnvelope,
  facts: AssertionFacts,
  responseSigned: boolean,
  encrypted: boolean,
): ValidatedAssertion {
  return {
    responseId: envelope.id,
    assertionId: facts.assertionId,
    issuer: facts.issuer,
    inResponseTo: facts.inResponseTo ?? (responseSigned ? envelope.inResponseTo : null),
    nameId: facts.nameId,
    nameIdFormat: facts.nameIdFormat,
    sessionIndex: facts.sessionIndex,
    attributes: facts.attributes,
    notOnOrAfter: facts.notOnOrAfter,
    authnInstant: facts.authnInstant,
    sessionNotOnOrAfter: facts.sessionNotOnOrAfter,
    authnContextClassRef: facts.authnContextClassRef,
    encrypted,
  };
}
