/**
 * HTTP statuses for sign-in refusals from the SAML core, the flow and the organisation rules.
 * The codes are those modules' closed unions; only the status is decided here.
 */
import { IDENTITY_ERROR_CODES, IdentityError, type IdentityErrorCode } from '../identity/errors.ts';
import { OIDC_ERROR_CODES, OidcError, type OidcErrorCode } from '../oidc/errors.ts';
import { SAML_CONFIG_ERROR_CODES, SamlConfigError, type SamlConfigErrorCode } from '../saml/config-errors.ts';
import { SAML_ERROR_CODES, SamlError, type SamlErrorCode } from '../saml/errors.ts';
import { CustomSignInError, type CustomSignInErrorCode } from '../sso/custom-sign-in-errors.ts';
import { SSO_FLOW_ERROR_CODES, SsoFlowError, type SsoFlowErrorCode } from '../sso/errors.ts';

export interface SsoRefusal {
  code:
    | SamlErrorCode
    | SamlConfigErrorCode
    | SsoFlowErrorCode
    | IdentityErrorCode
    | OidcErrorCode
    | CustomSignInErrorCode;
  message: string;
  status: number;
  detail?: Record<string, unknown>;
}

const SAML_CODES = new Set<string>(SAML_ERROR_CODES);
const CONFIG_CODES = new Set<string>(SAML_CONFIG_ERROR_CODES);
const FLOW_CODES = new Set<string>(SSO_FLOW_ERROR_CODES);
const IDENTITY_CODES = new Set<string>(IDENTITY_ERROR_CODES);
const OIDC_CODES = new Set<string>(OIDC_ERROR_CODES);
/** The provider, not the person, is at fault: a gateway error. */
const UPSTREAM = new Set(['oidc_discovery_failed', 'oidc_provider_unreachable', 'oidc_jwks_unavailable']);

/** Custom sign-in (trusted header, handler module): a broken handler is a gateway error, never a 500. */
const CUSTOM_STATUS: Record<CustomSignInErrorCode, number> = {
  trusted_header_disabled: 404,
  trusted_header_untrusted_source: 403,
  trusted_header_missing: 400,
  trusted_header_invalid: 400,
  custom_sign_in_not_configured: 404,
  custom_sign_in_handler_unavailable: 503,
  custom_sign_in_declined: 401,
  custom_sign_in_rejected: 400,
  custom_sign_in_handler_failed: 502,
  custom_sign_in_invalid_identity: 502,
  custom_sign_in_organisation_missing: 409,
};

/** The HTTP status of a sign-in module's code, or undefined for a code they do not own. */
export function ssoStatus(code: string): number | undefined {
  if (Object.hasOwn(CUSTOM_STATUS, code)) return CUSTOM_STATUS[code as CustomSignInErrorCode];
  if (SAML_CODES.has(code)) return code === 'saml_response_too_large' ? 413 : 400;
  if (UPSTREAM.has(code)) return 502;
  if (OIDC_CODES.has(code)) return 400;
  if (FLOW_CODES.has(code)) {
    if (code === 'saml_configuration_not_found' || code === 'oidc_configuration_not_found') return 404;
    if (code === 'link_request_unknown') return 404;
    if (code === 'link_request_wrong_account') return 403;
    if (code === 'oidc_configuration_disabled') return 409;
    return code.startsWith('saml_configuration') ? 409 : 400;
  }
  if (IDENTITY_CODES.has(code)) return 403;
  if (CONFIG_CODES.has(code)) return code === 'saml_metadata_too_large' ? 413 : 400;
  return undefined;
}

/** The refusal for a known sign-in error, or undefined for anything else (a bug: 500). */
export function ssoRefusal(err: unknown): SsoRefusal | undefined {
  if (
    err instanceof SamlError ||
    err instanceof SsoFlowError ||
    err instanceof IdentityError ||
    err instanceof OidcError ||
    err instanceof SamlConfigError
  ) {
    const detail = err instanceof SamlError && err.detail ? { detail: err.detail } : {};
    return { code: err.code, message: err.message, status: ssoStatus(err.code)!, ...detail };
  }
  if (err instanceof CustomSignInError) {
    return {
      code: err.code,
      message: err.message,
      status: CUSTOM_STATUS[err.code],
      ...(err.detail ? { detail: err.detail } : {}),
    };
  }
  return undefined;
}
