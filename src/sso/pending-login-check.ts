/**
 * The rules every protocol applies to the pending login an answer claims to complete: it
 * exists (consumed exactly once), is still fresh, belongs to the configuration whose endpoint
 * received the answer (mix-up), and came back to the browser that started it (login CSRF).
 */
import { sha256Hex } from '../credentials/tokens.ts';
import type { PendingLogin } from '../store/repositories/sso-state.ts';
import { SsoFlowError, type SsoFlowErrorCode } from './errors.ts';

const RULES = {
  saml: {
    unknown: 'saml_request_unknown',
    expired: 'saml_request_expired',
    wrongConfiguration: 'saml_request_wrong_configuration',
    browserMismatch: 'saml_request_browser_mismatch',
    answer: 'The response',
  },
  oidc: {
    unknown: 'oidc_state_unknown',
    expired: 'oidc_state_expired',
    wrongConfiguration: 'oidc_state_wrong_configuration',
    browserMismatch: 'oidc_state_browser_mismatch',
    answer: 'The callback',
  },
} as const satisfies Record<string, Record<string, SsoFlowErrorCode | string>>;

export function checkPendingLogin(
  protocol: keyof typeof RULES,
  pending: PendingLogin | undefined,
  expected: { configurationId: string; binding: string | undefined; now: number },
): PendingLogin {
  const r = RULES[protocol];
  if (!pending) throw new SsoFlowError(r.unknown, `${r.answer} answers no sign-in this service has open`);
  if (pending.expiresAt <= expected.now)
    throw new SsoFlowError(r.expired, 'The sign-in took too long; start again');
  if (pending.configurationId !== expected.configurationId) {
    throw new SsoFlowError(r.wrongConfiguration, `${r.answer} answers a sign-in of another configuration`);
  }
  if (!expected.binding || sha256Hex(expected.binding) !== pending.browserHash) {
    throw new SsoFlowError(
      r.browserMismatch,
      `${r.answer} arrived in a browser that did not start this sign-in`,
    );
  }
  return pending;
}
