/**
 * The API's error codes (a closed set, the same strings on the wire) and the one table that
 * turns them into HTTP statuses. Modules below http/ never choose a status.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { StoreError } from '../store/errors.ts';
import { type SsoRefusal, ssoRefusal, ssoStatus } from './sso-errors.ts';

export const API_ERROR_STATUS = {
  invalid_request: 400,
  malformed_json: 400,
  invalid_role: 400,
  name_immutable: 400,
  idp_url_not_allowed: 400,
  password_too_short: 400,
  password_too_long: 400,
  password_too_common: 400,
  password_matches_email: 400,
  token_invalid: 400,
  domain_verification_failed: 400,
  unauthorized: 401,
  invalid_credentials: 401,
  forbidden: 403,
  csrf_origin_mismatch: 403,
  account_disabled: 403,
  password_login_disabled: 403,
  sso_required: 403,
  login_method_not_allowed: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  slug_taken: 409,
  email_taken: 409,
  external_id_taken: 409,
  domain_taken: 409,
  membership_exists: 409,
  saml_configuration_name_taken: 409,
  oidc_configuration_name_taken: 409,
  oidc_issuer_required: 400,
  oidc_endpoints_required: 400,
  oidc_client_secret_required: 400,
  invalid_private_key: 400,
  payload_too_large: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  email_delivery_failed: 502,
  service_unavailable: 503,
} as const;

export type ApiErrorCode = keyof typeof API_ERROR_STATUS;

/** Every code that can go on the wire: the API's own and those of the sign-in modules. */
export type WireErrorCode = ApiErrorCode | SsoRefusal['code'];

/** The status that goes with any wire code (the closed set), or undefined for a stranger. */
export function wireErrorStatus(code: string): number | undefined {
  return (API_ERROR_STATUS as Record<string, number>)[code] ?? ssoStatus(code);
}

export class ApiError extends Error {
  override name = 'ApiError';
  readonly code: ApiErrorCode;
  /** Machine-readable extras sent as `error.details` (e.g. where SSO sign-in starts). */
  readonly details: unknown;
  constructor(code: ApiErrorCode, message: string, details?: unknown) {
    super(message);
    this.code = code;
    this.details = details;
  }
  get status(): number {
    return API_ERROR_STATUS[this.code];
  }
}

/**
 * For `.catch(...)` on a write: a uniqueness conflict from storage becomes the API's specific
 * code (slug_taken, email_taken, ...); anything else passes on unchanged.
 */
export function conflictAs(code: ApiErrorCode, message: string): (err: unknown) => never {
  return (err) => {
    if (err instanceof StoreError && err.code === 'conflict') throw new ApiError(code, message);
    throw err;
  };
}

export interface ErrorBody {
  error: { code: WireErrorCode; message: string; details?: unknown };
}

export function errorBody(code: WireErrorCode, message: string, details?: unknown): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** Fastify's own client-error codes, mapped to ours. */
const FASTIFY_CODES: Record<string, ApiErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported_media_type',
};

function describeIssues(err: FastifyError): { message: string; details: unknown } {
  const validation = err.validation ?? [];
  const details = validation.map((v) => ({
    location: err.validationContext ?? 'body',
    path: v.instancePath,
    message: v.message,
  }));
  const first = details[0];
  const message = first
    ? `${first.location}${first.path ? ` ${first.path}` : ''}: ${first.message}`
    : 'the request does not match the schema';
  return { message, details };
}

export function handleError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (err instanceof ApiError) {
    reply.status(err.status).send(errorBody(err.code, err.message, err.details));
    return;
  }
  if (hasZodFastifySchemaValidationErrors(err) || err.validation) {
    const { message, details } = describeIssues(err);
    reply.status(400).send(errorBody('invalid_request', message, details));
    return;
  }
  const refusal = ssoRefusal(err);
  if (refusal) {
    reply.status(refusal.status).send(errorBody(refusal.code, refusal.message));
    return;
  }
  if (err instanceof StoreError) {
    const code: ApiErrorCode =
      err.code === 'conflict' ? 'conflict' : err.code === 'not_found' ? 'not_found' : 'invalid_request';
    reply.status(API_ERROR_STATUS[code]).send(errorBody(code, err.message));
    return;
  }
  const mapped = err.code ? FASTIFY_CODES[err.code] : undefined;
  if (mapped) {
    reply.status(API_ERROR_STATUS[mapped]).send(errorBody(mapped, err.message));
    return;
  }
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    const code: ApiErrorCode =
      err.statusCode === 429
        ? 'rate_limited'
        : err.statusCode === 413
          ? 'payload_too_large'
          : err.statusCode === 415
            ? 'unsupported_media_type'
            : 'invalid_request';
    reply.status(err.statusCode).send(errorBody(code, err.message));
    return;
  }
  request.log.error({ err }, 'unhandled error');
  reply.status(500).send(errorBody('internal_error', 'Something went wrong; the request id is in the logs.'));
}
