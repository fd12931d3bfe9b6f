/**
 * Configuration errors of the SAML core: an administrator's (or the calling code's) mistake,
 * such as IdP metadata that cannot be used or an SP URL that is not absolute. They are not
 * protocol failures: nothing was forged, the configuration has to be fixed. Responses that
 * fail validation use the separate protocol error class (src/saml/errors.ts).
 *
 * The codes are a closed set and go on the wire unchanged; callers switch on `code`, never on
 * the message.
 */

export type SamlConfigErrorCode =
  // IdP metadata (SAML Metadata 2.0)
  | 'saml_metadata_too_large'
  | 'saml_metadata_malformed'
  | 'saml_metadata_not_idp'
  | 'saml_metadata_entity_ambiguous'
  | 'saml_metadata_entity_not_found'
  | 'saml_metadata_no_sso_url'
  | 'saml_metadata_sso_url_invalid'
  | 'saml_metadata_no_certificate'
  | 'saml_metadata_certificate_invalid'
  | 'saml_metadata_unsigned'
  | 'saml_metadata_signature_invalid'
  | 'saml_metadata_signature_algorithm_refused'
  | 'saml_metadata_expired'
  // Inputs of the SP side (SP metadata, AuthnRequest, SP keys)
  | 'saml_entity_id_invalid'
  | 'saml_url_invalid'
  | 'saml_request_id_invalid'
  | 'saml_relay_state_too_long'
  | 'saml_text_invalid'
  | 'saml_certificate_invalid'
  | 'saml_key_invalid';

/** Every configuration error code, for exhaustive mappings (HTTP status, UI text). */
export const SAML_CONFIG_ERROR_CODES: readonly SamlConfigErrorCode[] = [
  'saml_metadata_too_large',
  'saml_metadata_malformed',
  'saml_metadata_not_idp',
  'saml_metadata_entity_ambiguous',
  'saml_metadata_entity_not_found',
  'saml_metadata_no_sso_url',
  'saml_metadata_sso_url_invalid',
  'saml_metadata_no_certificate',
  'saml_metadata_certificate_invalid',
  'saml_metadata_unsigned',
  'saml_metadata_signature_invalid',
  'saml_metadata_signature_algorithm_refused',
  'saml_metadata_expired',
  'saml_entity_id_invalid',
  'saml_url_invalid',
  'saml_request_id_invalid',
  'saml_relay_state_too_long',
  'saml_text_invalid',
  'saml_certificate_invalid',
  'saml_key_invalid',
];

/** A SAML configuration mistake with a stable machine-readable code. */
export class SamlConfigError extends Error {
  readonly code: SamlConfigErrorCode;

  constructor(code: SamlConfigErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SamlConfigError';
    this.code = code;
  }
}
