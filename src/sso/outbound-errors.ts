/** The refusals of requests to identity providers (src/sso/outbound-fetch.ts) and their network. */
export const OUTBOUND_ERROR_CODES = [
  'idp_url_not_allowed',
  'idp_unreachable',
  'idp_response_too_large',
] as const;
export type OutboundErrorCode = (typeof OUTBOUND_ERROR_CODES)[number];

export class OutboundError extends Error {
  override name = 'OutboundError';
  readonly code: OutboundErrorCode;
  constructor(code: OutboundErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** The network itself: what an IdP request is finally handed to. */
export type Transport = (url: string, init: RequestInit) => Promise<Response>;
