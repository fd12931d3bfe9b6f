/**
 * SAML Core 1.3.3 and 2.5.1.2 time checks with the configured skew: an instant given as
 * NotBefore is valid from NotBefore - skew, one given as NotOnOrAfter until (excluding)
 * NotOnOrAfter + skew. Used by Conditions, SubjectConfirmationData and AuthnStatement.
 *
 * Closes: S-SEM-9..S-SEM-12 (expiry, not-yet-valid, exact skew boundaries), S-SEM-33.
 */
import type { Element } from '@xmldom/xmldom';
import { clip, SamlError } from '../errors.ts';
import { attr, parseDateTime } from '../xml.ts';

/**
 * An optional xs:dateTime attribute as epoch ms, or null when absent.
 *
 * @throws SamlError `saml_assertion_invalid` when present but not a dateTime with a zone
 */
export function timeAttribute(el: Element, name: string): number | null {
  const value = attr(el, name);
  if (value === null) return null;
  const time = parseDateTime(value);
  if (time === null) {
    throw new SamlError('saml_assertion_invalid', `${el.localName}/@${name} is not a valid dateTime`, {
      reason: 'datetime',
      got: clip(value),
    });
  }
  return time;
}

/** @throws SamlError `saml_not_yet_valid` */
export function checkNotBefore(notBefore: number | null, now: number, skewMs: number, where: string): void {
  if (notBefore !== null && now + skewMs < notBefore) {
    throw new SamlError('saml_not_yet_valid', 'The assertion is not valid yet', {
      where,
      notBefore: new Date(notBefore).toISOString(),
      now: new Date(now).toISOString(),
      skewSeconds: skewMs / 1000,
    });
  }
}

/** @throws SamlError `saml_expired` */
export function checkNotOnOrAfter(
  notOnOrAfter: number | null,
  now: number,
  skewMs: number,
  where: string,
): void {
  if (notOnOrAfter !== null && now - skewMs >= notOnOrAfter) {
    throw new SamlError('saml_expired', 'The assertion has expired', {
      where,
      notOnOrAfter: new Date(notOnOrAfter).toISOString(),
      now: new Date(now).toISOString(),
      skewSeconds: skewMs / 1000,
    });
  }
}
