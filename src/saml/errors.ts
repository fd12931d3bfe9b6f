/**
 * Protocol errors of SAML Response validation: the message was refused because it is
 * malformed, forged, stale, or meant for someone else. A configuration mistake (no IdP
 * certificate, an unusable key) is not one of these: it is a `SamlConfigError`
 * (src/saml/config-errors.ts), because nothing was forged and an admin has to fix it.
 *
 * The codes are a closed set and go on the wire unchanged (lowercase snake_case); callers,
 * logs, metrics and the UI switch on `code`, never on the message. `detail` carries safe facts
 * for the admin's trace (expected vs got, the reason inside a code); it never holds key
 * material, and values read from the message are cut to a short length.
 */

export type SamlErrorCode =
  // Transport and XML (checked before anything in the message is read)
  | 'saml_response_too_large'
  | 'saml_response_not_base64'
  | 'saml_xml_malformed'
  | 'saml_xml_doctype_forbidden'
  | 'saml_xml_processing_instruction_forbidden'
  | 'saml_xml_too_deep'
  | 'saml_id_duplicate'
  // The Response envelope (SAML Core 3.2.2, 3.3.3.1)
  | 'saml_not_a_response'
  | 'saml_response_invalid'
  | 'saml_version_unsupported'
  | 'saml_status_not_success'
  | 'saml_issuer_mismatch'
  | 'saml_destination_mismatch'
  | 'saml_in_response_to_mismatch'
  // XML Signature
  | 'saml_signature_missing'
  | 'saml_signature_invalid'
  | 'saml_signature_algorithm_forbidden'
  | 'saml_canonicalization_forbidden'
  | 'saml_transform_forbidden'
  // The assertion (SAML Core 2.3-2.7, Profiles 4.1.4.2-4.1.4.3)
  | 'saml_assertion_missing'
  | 'saml_assertion_multiple'
  | 'saml_assertion_misplaced'
  | 'saml_assertion_unsigned'
  | 'saml_assertion_invalid'
  | 'saml_subject_missing'
  | 'saml_subject_confirmation_invalid'
  | 'saml_recipient_mismatch'
  | 'saml_audience_mismatch'
  | 'saml_not_yet_valid'
  | 'saml_expired'
  | 'saml_assertion_too_old'
  | 'saml_authn_context_insufficient'
  // XML Encryption
  | 'saml_encryption_required'
  | 'saml_encryption_algorithm_forbidden'
  | 'saml_decryption_failed';

/** Every protocol error code, for exhaustive mappings (HTTP status, UI text, metrics labels). */
export const SAML_ERROR_CODES: readonly SamlErrorCode[] = [
  'saml_response_too_large',
  'saml_response_not_base64',
  'saml_xml_malformed',
  'saml_xml_doctype_forbidden',
  'saml_xml_processing_instruction_forbidden',
  'saml_xml_too_deep',
  'saml_id_duplicate',
  'saml_not_a_response',
  'saml_response_invalid',
  'saml_version_unsupported',
  'saml_status_not_success',
  'saml_issuer_mismatch',
  'saml_destination_mismatch',
  'saml_in_response_to_mismatch',
  'saml_signature_missing',
  'saml_signature_invalid',
  'saml_signature_algorithm_forbidden',
  'saml_canonicalization_forbidden',
  'saml_transform_forbidden',
  'saml_assertion_missing',
  'saml_assertion_multiple',
  'saml_assertion_misplaced',
  'saml_assertion_unsigned',
  'saml_assertion_invalid',
  'saml_subject_missing',
  'saml_subject_confirmation_invalid',
  'saml_recipient_mismatch',
  'saml_audience_mismatch',
  'saml_not_yet_valid',
  'saml_expired',
  'saml_assertion_too_old',
  'saml_authn_context_insufficient',
  'saml_encryption_required',
  'saml_encryption_algorithm_forbidden',
  'saml_decryption_failed',
];

/** A refused SAML message, with a stable machine-readable code. */
export class SamlError extends Error {
  readonly code: SamlErrorCode;
  /** Safe facts for the admin trace (expected vs got, the reason within the code). */
  readonly detail?: Record<string, unknown>;

  constructor(code: SamlErrorCode, message: string, detail?: Record<string, unknown>) {
    super(message);
    this.name = 'SamlError';
    this.code = code;
    if (detail !== undefined) this.detail = detail;
  }
}

/** Longest value copied from a message into `detail`: enough to recognise it, not to replay it. */
const MAX_DETAIL_CHARS = 200;

/** A value read from the (possibly hostile) message, cut for the admin trace. */
export function clip(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return value.length > MAX_DETAIL_CHARS ? `${value.slice(0, MAX_DETAIL_CHARS)}…` : value;
}
