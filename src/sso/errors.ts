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
