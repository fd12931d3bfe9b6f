/**
 * SAML Core 2.7.2 (AuthnStatement) and Profiles 4.1.4.2: AuthnInstant and SessionIndex are
 * read for the caller; SessionNotOnOrAfter, when given, must not have passed (with skew) and is
 * handed on so the session ends no later; when configured, the assertion may not be older than a
 * maximum age, and the AuthnContextClassRef must be one the configuration requires (e.g. MFA).
 *
 * Closes: S-SEM-33 (SessionNotOnOrAfter in the past), S-SEM-35 (old IssueInstant/AuthnInstant),
 * S-SEM-38 (authentication context downgrade).
 */
import type { Element } from '@xmldom/xmldom';
import { SamlError } from '../errors.ts';
import { attr, childrenNamed, deepText, NS } from '../xml.ts';
import type { ValidationPolicy } from './check-settings.ts';
import { checkNotOnOrAfter, timeAttribute } from './check-time-window.ts';

export interface AuthnFacts {
  authnInstant: number | null;
  sessionIndex: string | null;
  sessionNotOnOrAfter: number | null;
  authnContextClassRef: string | null;
}

/** AuthnContext/AuthnContextClassRef (SAML Core 2.7.2.2), trimmed; null when absent. */
function classRef(statement: Element): string | null {
  const context = childrenNamed(statement, NS.assertion, 'AuthnContext')[0];
  const ref = context ? childrenNamed(context, NS.assertion, 'AuthnContextClassRef')[0] : undefined;
  return ref ? deepText(ref).trim() : null;
}

/** @throws SamlError `saml_expired`, `saml_assertion_invalid`, `saml_authn_context_insufficient` */
export function checkAuthnStatement(statement: Element, policy: ValidationPolicy, now: number): AuthnFacts {
  const sessionNotOnOrAfter = timeAttribute(statement, 'SessionNotOnOrAfter');
  checkNotOnOrAfter(sessionNotOnOrAfter, now, policy.skewMs, 'session');
  const authnContextClassRef = classRef(statement);
  if (
    policy.requiredAuthnContexts.length > 0 &&
    !policy.requiredAuthnContexts.includes(authnContextClassRef ?? '')
  ) {
    throw new SamlError(
      'saml_authn_context_insufficient',
      'The IdP did not authenticate the person the required way',
      {
        required: policy.requiredAuthnContexts,
        got: authnContextClassRef,
      },
    );
  }
  return {
    authnInstant: timeAttribute(statement, 'AuthnInstant'),
    sessionIndex: attr(statement, 'SessionIndex'),
    sessionNotOnOrAfter,
    authnContextClassRef,
  };
}

/**
 * S-SEM-35: with a maximum age configured, neither the assertion's IssueInstant nor the login's
 * AuthnInstant may be older (skew allowed): an old login replayed through a fresh response, or an
 * assertion kept for later, is refused.
 *
 * @throws SamlError `saml_assertion_too_old`
 */
export function checkAssertionAge(
  issueInstant: number | null,
  authnInstant: number | null,
  policy: ValidationPolicy,
  now: number,
): void {
  if (policy.maxAssertionAgeMs === null) return;
  for (const [what, instant] of [
    ['IssueInstant', issueInstant],
    ['AuthnInstant', authnInstant],
  ] as const) {
    if (instant !== null && now - policy.skewMs - instant > policy.maxAssertionAgeMs) {
      throw new SamlError('saml_assertion_too_old', `The assertion's ${what} is older than allowed`, {
        what,
        instant: new Date(instant).toISOString(),
        maxAgeSeconds: policy.maxAssertionAgeMs / 1000,
      });
    }
  }
}
