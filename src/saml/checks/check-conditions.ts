/**
 * SAML Core 2.5.1 (Conditions): NotBefore and NotOnOrAfter with skew (2.5.1.2); OneTimeUse and
 * ProxyRestriction are understood (one-time use is the caller's replay cache); any other
 * condition makes the assertion "Indeterminate" (2.5.1) and is refused. Audience is
 * checks/check-audience.ts.
 *
 * Closes: S-SEM-10, S-SEM-11, S-SEM-12 (Conditions window and its boundaries).
 */
import type { Element } from '@xmldom/xmldom';
import { clip, SamlError } from '../errors.ts';
import { elementChildren, NS } from '../xml.ts';
import type { ValidationPolicy } from './check-settings.ts';
import { checkNotBefore, checkNotOnOrAfter, timeAttribute } from './check-time-window.ts';

const UNDERSTOOD = new Set(['AudienceRestriction', 'OneTimeUse', 'ProxyRestriction']);

/**
 * Returns Conditions/@NotOnOrAfter, or null when there is none.
 *
 * @throws SamlError `saml_not_yet_valid`, `saml_expired`, `saml_assertion_invalid`
 */
export function checkConditions(
  conditions: Element | null,
  policy: ValidationPolicy,
  now: number,
): number | null {
  if (conditions === null) return null;
  for (const child of elementChildren(conditions)) {
    if (child.namespaceURI !== NS.assertion || !UNDERSTOOD.has(child.localName ?? '')) {
      throw new SamlError(
        'saml_assertion_invalid',
        'The assertion carries a condition this service does not understand',
        {
          reason: 'unknown_condition',
          element: clip(child.tagName),
        },
      );
    }
  }
  const notOnOrAfter = timeAttribute(conditions, 'NotOnOrAfter');
  checkNotBefore(timeAttribute(conditions, 'NotBefore'), now, policy.skewMs, 'conditions');
  checkNotOnOrAfter(notOnOrAfter, now, policy.skewMs, 'conditions');
  return notOnOrAfter;
}
