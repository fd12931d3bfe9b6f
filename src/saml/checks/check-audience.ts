/**
 * SAML Core 2.5.1.4 (AudienceRestriction) and Profiles 4.1.4.2 ("MUST contain an
 * <AudienceRestriction> including the service provider's unique identifier as an <Audience>"):
 * at least one AudienceRestriction, and every one of them must list our entity ID, compared
 * exactly (the assertion is addressed to the intersection of all restrictions).
 *
 * Closes: S-SEM-1 (other audience), S-SEM-2 (none), S-SEM-3 (one of several restrictions
 * wrong), S-SEM-4 and S-MT-1 (another configuration's entity ID).
 */
import type { Element } from '@xmldom/xmldom';
import { clip, SamlError } from '../errors.ts';
import { childrenNamed, NS, simpleText } from '../xml.ts';
import type { ValidationPolicy } from './check-settings.ts';

/** @throws SamlError `saml_audience_mismatch` */
export function checkAudience(conditions: Element | null, policy: ValidationPolicy): void {
  const restrictions = conditions ? childrenNamed(conditions, NS.assertion, 'AudienceRestriction') : [];
  if (restrictions.length === 0) {
    throw new SamlError('saml_audience_mismatch', 'The assertion names no audience', {
      reason: 'no_audience_restriction',
      expected: policy.spEntityId,
    });
  }
  for (const restriction of restrictions) {
    const audiences = childrenNamed(restriction, NS.assertion, 'Audience').map(simpleText);
    if (!audiences.includes(policy.spEntityId)) {
      throw new SamlError(
        'saml_audience_mismatch',
        'The assertion is addressed to another service provider',
        {
          reason: 'audience',
          expected: policy.spEntityId,
          got: audiences.slice(0, 5).map(clip),
        },
      );
    }
  }
}
