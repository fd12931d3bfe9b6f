/**
 * SAML Core 2.2.5 / Profiles 4.1.4.2: the Issuer of the assertion MUST be present and name the
 * IdP this configuration trusts; the Response's Issuer MAY be absent but, when present, must
 * name the same IdP. Format, when present, MUST be the entity format. Comparison is exact.
 *
 * Closes: S-SEM-26 (other IdP in either Issuer), S-SEM-27 (no assertion Issuer), S-MT-1.
 */
import type { Element } from '@xmldom/xmldom';
import { clip, SamlError } from '../errors.ts';
import { attr, simpleText } from '../xml.ts';
import type { ValidationPolicy } from './check-settings.ts';

const ENTITY_FORMAT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:entity';

/**
 * Returns the issuer value, or null when it is absent and allowed to be.
 *
 * @throws SamlError `saml_issuer_mismatch`
 */
export function checkIssuer(
  issuer: Element | null,
  where: 'response' | 'assertion',
  policy: ValidationPolicy,
): string | null {
  if (issuer === null) {
    if (where === 'response') return null;
    throw new SamlError('saml_issuer_mismatch', 'The assertion names no Issuer', {
      where,
      expected: policy.idpEntityId,
      got: null,
    });
  }
  const value = simpleText(issuer);
  const format = attr(issuer, 'Format');
  if (value !== policy.idpEntityId || (format !== null && format !== ENTITY_FORMAT)) {
    throw new SamlError('saml_issuer_mismatch', `The ${where} was issued by another IdP`, {
      where,
      expected: policy.idpEntityId,
      got: clip(value),
      ...(format !== null && format !== ENTITY_FORMAT ? { format: clip(format) } : {}),
    });
  }
  return value;
}
