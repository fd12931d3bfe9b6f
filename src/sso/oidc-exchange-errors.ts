/**
 * openid-client reports problems with the callback, the token response and the ID token's
 * claims as errors carrying oauth4webapi codes; this turns each into one of our stable codes,
 * so an admin's trace names the rule that refused the login.
 */
import { OidcError } from '../oidc/errors.ts';
import { SsoFlowError } from './errors.ts';

interface LibraryError {
  name?: string;
  code?: string;
  message: string;
  error?: string;
  cause?: { claim?: string } | unknown;
}

const CLAIM_CODES = {
  iss: 'oidc_issuer_mismatch',
  aud: 'oidc_audience_mismatch',
  azp: 'oidc_azp_mismatch',
  nonce: 'oidc_nonce_mismatch',
} as const;

function claimRefusal(e: LibraryError): OidcError | undefined {
  const claim = (e.cause as { claim?: string } | undefined)?.claim;
  if (e.code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' && claim && claim in CLAIM_CODES)
    return new OidcError(CLAIM_CODES[claim as keyof typeof CLAIM_CODES], e.message);
  if (e.code === 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED') {
    if (e.message.includes('"exp"')) return new OidcError('oidc_token_expired', e.message);
    if (e.message.includes('"nbf"')) return new OidcError('oidc_token_not_yet_valid', e.message);
    return new OidcError('oidc_iat_in_future', e.message);
  }
  return undefined;
}

function responseRefusal(e: LibraryError): OidcError | SsoFlowError {
  const m = e.message;
  if (/"iss" \(issuer\) response parameter|response parameter "iss"/.test(m))
    return new SsoFlowError('oidc_issuer_response_mismatch', m);
  if (/"sub"/.test(m)) return new OidcError('oidc_subject_missing', m);
  if (/"nonce"/.test(m)) return new OidcError('oidc_nonce_mismatch', m);
  if (/"alg"/.test(m)) return new OidcError('oidc_algorithm_not_allowed', m);
  if (/"id_token"/.test(m)) return new SsoFlowError('oidc_id_token_missing', m);
  if (/"(exp|iat|nbf|aud|iss|nonce|azp)"/.test(m)) return new OidcError('oidc_claims_malformed', m);
  if (/"state"/.test(m)) return new SsoFlowError('oidc_callback_malformed', m);
  return new SsoFlowError('oidc_token_response_invalid', m);
}

/** The refusal for an error thrown by openid-client's authorizationCodeGrant. */
export function exchangeRefusal(err: unknown): OidcError | SsoFlowError {
  if (!(err instanceof Error))
    return new SsoFlowError('oidc_token_response_invalid', 'The token exchange failed');
  // openid-client wraps oauth4webapi's error, which names the failed rule, in a generic one.
  let e = err as unknown as LibraryError;
  for (let inner = e.cause, depth = 0; inner instanceof Error && depth < 5; depth++) {
    if (typeof (inner as LibraryError).code === 'string') e = inner as unknown as LibraryError;
    inner = (inner as LibraryError).cause;
  }
  const claim = claimRefusal(e);
  if (claim) return claim;
  switch (e.code) {
    case 'OAUTH_RESPONSE_BODY_ERROR':
      return new SsoFlowError(
        'oidc_token_request_failed',
        `The token endpoint refused the code: ${String(e.error ?? 'error').slice(0, 64)}`,
      );
    case 'OAUTH_AUTHORIZATION_RESPONSE_ERROR':
      return new SsoFlowError(
        'oidc_provider_error',
        `The provider refused the login: ${String(e.error ?? '').slice(0, 64)}`,
      );
    // openid-client's own https rule met a plain-http endpoint (token, userinfo): the same
    // refusal as our address policy's, before anything is sent.
    case 'OAUTH_HTTP_REQUEST_FORBIDDEN':
    case 'OAUTH_REQUEST_PROTOCOL_FORBIDDEN':
      return new SsoFlowError('oidc_provider_url_not_allowed', 'A provider endpoint is not an https URL');
    // An implicit or hybrid answer (id_token or token in the callback): Drawbridge only asks
    // for response_type=code, so the callback is not one it could have caused.
    case 'OAUTH_UNSUPPORTED_OPERATION':
      return new SsoFlowError(
        'oidc_callback_malformed',
        `The callback is not a code flow answer: ${e.message}`,
      );
    case 'OAUTH_INVALID_RESPONSE':
    case 'OAUTH_RESPONSE_IS_NOT_CONFORM':
    case 'OAUTH_RESPONSE_IS_NOT_JSON':
    case 'OAUTH_PARSE_ERROR':
      return responseRefusal(e);
    default:
      return new SsoFlowError('oidc_token_response_invalid', e.message.slice(0, 300));
  }
}
