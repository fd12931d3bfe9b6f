/**
 * SAML Core 2.7.2 (AuthnStatement) and Profiles 4.1.4.2: AuthnInstant and SessionIndex are
 * read for the caller; SessionNotOnOrAfter, when given, must not have passed (with skew).
 *
 * Closes: S-SEM-33 (SessionNotOnOrAfter in the past).
 */
import type { Element } from '@xmldom/xmldom';
import { attr } from '../xml.ts';
import type { ValidationPolicy } from './check-settings.ts';
import { checkNotOnOrAfter, timeAttribute } from './check-time-window.ts';

export interface AuthnFacts {
  authnInstant: number | null;
  sessionIndex: string | null;
}

/** @throws SamlError `saml_expired`, `saml_assertion_invalid` */
export function checkAuthnStatement(statement: Element, policy: ValidationPolicy, now: number): AuthnFacts {
  checkNotOnOrAfter(timeAttribute(statement, 'SessionNotOnOrAfter'), now, policy.skewMs, 'session');
  return {
    authnInstant: timeAttribute(statement, 'AuthnInstant'),
    sessionIndex: attr(statement, 'SessionIndex'),
  };
}
