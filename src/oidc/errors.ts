/** Refusals of the OpenID Connect / OAuth2 protocol core: a closed set of codes. */
export const OIDC_ERROR_CODES = [
  'oidc_token_malformed',
  'oidc_algorithm_not_allowed',
  'oidc_key_not_found',
  'oidc_jwks_unavailable',
  'oidc_signature_invalid',
  'oidc_issuer_mismatch',
  'oidc_tenant_not_allowed',
  'oidc_audience_mismatch',
  'oidc_azp_mismatch',
  'oidc_token_expired',
  'oidc_token_not_yet_valid',
  'oidc_iat_in_future',
  'oidc_iat_too_old',
  'oidc_nonce_mismatch',
  'oidc_subject_missing',
  'oidc_userinfo_subject_mismatch',
  'oidc_claims_malformed',
] as const;

export type OidcErrorCode = (typeof OIDC_ERROR_CODES)[number];

export class OidcError extends Error {
  override name = 'OidcError';
  readonly code: OidcErrorCode;
  constructor(code: OidcErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
