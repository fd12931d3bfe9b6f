/**
 * An SSO identity never silently takes over an instance administrator's account (issue #5):
 * when an IdP asserts an admin's email, a link request is recorded and bound to that browser;
 * the admin confirms it by signing in with their existing method, in the same browser, after
 * the request was made. Another instance admin may confirm it through the API instead.
 */
import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../credentials/tokens.ts';
import type { LinkCandidate } from '../identity/errors.ts';
import type { IdentityLinkRequest } from '../store/repositories/sso-state.ts';
import type { Repositories, Store } from '../store/store.ts';
import { SsoFlowError } from './errors.ts';

export const LINK_REQUEST_SECONDS = 900;
export const LINK_COOKIE = 'drawbridge_link';

/** Records the request; the caller sets `bindingValue` as the LINK_COOKIE. */
export async function recordLinkRequest(
  store: Store,
  candidate: LinkCandidate,
  connectionName: string,
  now = Date.now(),
): Promise<{ id: string; bindingValue: string }> {
  const id = randomBytes(16).toString('base64url');
  const bindingValue = randomBytes(32).toString('base64url');
  await store.identityLinkRequests.create({
    id,
    connection: candidate.connection,
    connectionName,
    subject: candidate.subject,
    userId: candidate.userId,
    browserHash: sha256Hex(bindingValue),
    createdAt: now,
    expiresAt: now + LINK_REQUEST_SECONDS * 1000,
  });
  return { id, bindingValue };
}

/** The existing method: a sign-in that did not come from SSO, made after the request. */
export function signedInByExistingMethod(
  session: { sessionCreatedAt: number; sessionMethod: string },
  request: Pick<IdentityLinkRequest, 'createdAt'>,
): boolean {
  return (
    !/^(saml|oidc|oauth2|custom|trusted-header):/.test(session.sessionMethod) &&
    session.sessionCreatedAt >= request.createdAt
  );
}

/** Who confirms: the account holder in a session (with its browser), or an instance admin by API key. */
export type Confirmer =
  | {
      kind: 'account_holder';
      userId: string;
      sessionCreatedAt: number;
      sessionMethod: string;
      binding: string | undefined;
    }
  | { kind: 'instance_admin'; actor: string };

/** Checks whether `confirmer` may confirm `request`; throws the refusal. */
export function checkConfirmation(
  request: IdentityLinkRequest | undefined,
  confirmer: Confirmer,
  now: number,
): IdentityLinkRequest {
  if (!request)
    throw new SsoFlowError('link_request_unknown', 'No such link request (it may have been used)');
  if (request.expiresAt <= now)
    throw new SsoFlowError('link_request_expired', 'The link request expired; sign in with SSO again');
  if (confirmer.kind === 'instance_admin') return request;
  if (confirmer.userId !== request.userId)
    throw new SsoFlowError('link_request_wrong_account', 'This link request is for another account');
  if (!signedInByExistingMethod(confirmer, request)) {
    throw new SsoFlowError('link_request_needs_sign_in', 'Sign in with your password first, then confirm');
  }
  if (!confirmer.binding || sha256Hex(confirmer.binding) !== request.browserHash) {
    throw new SsoFlowError('link_request_browser_mismatch', 'Confirm in the browser that signed in with SSO');
  }
  return request;
}

/** Confirms in one transaction: the request is used once, the link written, the change audited. */
export async function confirmLinkRequest(
  tx: Repositories,
  id: string,
  confirmer: Confirmer,
  now = Date.now(),
): Promise<IdentityLinkRequest> {
  const request = checkConfirmation(await tx.identityLinkRequests.consume(id), confirmer, now);
  await tx.externalIdentities.link(
    {
      connection: request.connection,
      subject: request.subject,
      userId: request.userId,
      linkedBy: 'confirmed',
    },
    now,
  );
  await tx.auditEvents.record({
    organisationId: null,
    actor: confirmer.kind === 'instance_admin' ? confirmer.actor : `user:${confirmer.userId}`,
    action: 'identity.link_confirmed',
    targetType: 'user',
    targetId: request.userId,
    detail: { connection: request.connectionName, subject: request.subject, by: confirmer.kind },
  });
  return request;
}
