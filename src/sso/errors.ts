/** Refusals of the sign-in flow itself (the request/response pairing around the protocol core). */
export const SSO_FLOW_ERROR_CODES = [
  'saml_configuration_not_found',
  'saml_configuration_disabled',
  'saml_configuration_incomplete',
  'saml_unsolicited_response',
  'saml_request_unknown',
  'saml_request_expired',
  'saml_request_wrong_configuration',
  'saml_request_browser_mismatch',
  'saml_replay_detected',
  'saml_binding_unsupported',
  'oidc_configuration_not_found',
  'oidc_configuration_disabled',
  'oidc_discovery_failed',
  'oidc_provider_unreachable',
  'oidc_provider_url_not_allowed',
  'oidc_state_missing',
  'oidc_state_unknown',
  'oidc_state_expired',
  'oidc_state_wrong_configuration',
  'oidc_state_browser_mismatch',
  'oidc_provider_error',
  'oidc_callback_malformed',
  'oidc_issuer_response_mismatch',
  'oidc_token_request_failed',
  'oidc_token_response_invalid',
  'oidc_id_token_missing',
  'oidc_userinfo_failed',
  'oidc_provider_api_failed',
  'oidc_email_domain_not_allowed',
  'link_request_unknown',
  'link_request_expired',
  'link_request_wrong_account',
  'link_request_needs_sign_in',
  'link_request_browser_mismatch',
] as const;

export type SsoFlowErrorCode = (typeof SSO_FLOW_ERROR_CODES)[number];

export class SsoFlowError extends Error {
  override name = 'SsoFlowError';
  readonly code: SsoFlowErrorCode;
  constructor(code: SsoFlowErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
