/** Refusals of the organisation rules, after the IdP's message itself was accepted. */
export const IDENTITY_ERROR_CODES = [
  'identity_email_missing',
  'identity_link_refused',
  'identity_link_needs_confirmation',
  'identity_multiple_organisations',
  'identity_account_disabled',
  'identity_subject_missing',
  'identity_login_method_not_allowed',
] as const;

export type IdentityErrorCode = (typeof IDENTITY_ERROR_CODES)[number];

export class IdentityError extends Error {
  override name = 'IdentityError';
  readonly code: IdentityErrorCode;
  constructor(code: IdentityErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
