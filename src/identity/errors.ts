/** Refusals of the organisation rules, after the IdP's message itself was accepted. */
export const IDENTITY_ERROR_CODES = [
  'identity_email_missing',
  'identity_email_invalid',
  'identity_link_refused',
  'identity_link_needs_confirmation',
  'identity_multiple_organisations',
  'identity_account_disabled',
  'identity_subject_missing',
  'identity_login_method_not_allowed',
] as const;

export type IdentityErrorCode = (typeof IDENTITY_ERROR_CODES)[number];

/** The account an identity would link to, when that link needs the account holder's confirmation. */
export interface LinkCandidate {
  connection: string;
  subject: string;
  userId: string;
}

export class IdentityError extends Error {
  override name = 'IdentityError';
  readonly code: IdentityErrorCode;
  readonly linkCandidate: LinkCandidate | undefined;
  constructor(code: IdentityErrorCode, message: string, linkCandidate?: LinkCandidate) {
    super(message);
    this.code = code;
    this.linkCandidate = linkCandidate;
  }
}
