/**
 * Refusals of the custom sign-in routes (the trusted-header connection and the configured
 * CustomSignInHandler module). The same strings go on the wire; only src/http/sso-errors.ts
 * knows their HTTP statuses.
 */
export const CUSTOM_SIGN_IN_ERROR_CODES = [
  /** TRUSTED_HEADER_ENABLED is false. */
  'trusted_header_disabled',
  /** The TCP peer is not in TRUSTED_PROXY_CIDRS: the headers prove nothing. */
  'trusted_header_untrusted_source',
  /** The trusted proxy sent no email header. */
  'trusted_header_missing',
  /** A header value is not usable (not an email, control characters, too long). */
  'trusted_header_invalid',
  /** CUSTOM_SIGN_IN_HANDLER is not set. */
  'custom_sign_in_not_configured',
  /** The handler module could not be loaded or exports no function. */
  'custom_sign_in_handler_unavailable',
  /** The handler returned null: it does not know this person. */
  'custom_sign_in_declined',
  /** The handler threw a CustomSignInRejection: the request itself is bad (e.g. a bad signature). */
  'custom_sign_in_rejected',
  /** The handler threw anything else, or took too long. */
  'custom_sign_in_handler_failed',
  /** The handler returned something that is not an ExternalIdentityInput. */
  'custom_sign_in_invalid_identity',
  /** The organisation of the custom sign-in was deleted after start. */
  'custom_sign_in_organisation_missing',
] as const;

export type CustomSignInErrorCode = (typeof CUSTOM_SIGN_IN_ERROR_CODES)[number];

export class CustomSignInError extends Error {
  override name = 'CustomSignInError';
  readonly code: CustomSignInErrorCode;
  /** For the login trace only (never shown to the person). */
  readonly detail: Record<string, unknown> | undefined;
  constructor(code: CustomSignInErrorCode, message: string, detail?: Record<string, unknown>) {
    super(message);
    this.code = code;
    this.detail = detail;
  }
}
