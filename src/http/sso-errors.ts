/**
 * HTTP statuses for sign-in refusals from the SAML core, the flow and the organisation rules.
 * The codes are those modules' closed unions; only the status is decided here.
 */
import { IdentityError, type IdentityErrorCode } from '../identity/errors.ts';
import { SamlConfigError, type SamlConfigErrorCode } from '../saml/config-errors.ts';
import { SamlError, type SamlErrorCode } from '../saml/errors.ts';
import { SsoFlowError, type SsoFlowErrorCode } from '../sso/errors.ts';

export interface SsoRefusal {
  code: SamlErrorCode | SamlConfigErrorCode | SsoFlowErrorCode | IdentityErrorCode;
  message: string;
  status: number;
  detail?: Record<string, unknown>;
}

/** The refusal for a known sign-in error, or undefined for anything else (a bug: 500). */
export function ssoRefusal(err: unknown): SsoRefusal | undefined {
  if (err instanceof SamlError) {
    const status = err.code === 'saml_response_too_large' ? 413 : 400;
    return { code: err.code, message: err.message, status, ...(err.detail ? { detail: err.detail } : {}) };
  }
  if (err instanceof SsoFlowError) {
    const status =
      err.code === 'saml_configuration_not_found'
        ? 404
        : err.code.startsWith('saml_configuration')
          ? 409
          : 400;
    return { code: err.code, message: err.message, status };
  }
  if (err instanceof IdentityError) return { code: err.code, message: err.message, status: 403 };
  if (err instanceof SamlConfigError) return { code: err.code, message: err.message, status: 400 };
  return undefined;
}
