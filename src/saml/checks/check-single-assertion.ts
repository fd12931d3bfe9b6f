/**
 * SAML Profiles 4.1.4.2 and Drawbridge's rule "one assertion per response": exactly one
 * saml:Assertion or saml:EncryptedAssertion in the whole document, counted everywhere (Advice,
 * Extensions, inside signatures), not only among the Response's children, and that one must be
 * a direct child of the Response. When the configuration wants encrypted assertions, a plain
 * one is refused.
 *
 * Closes: S-WRAP-1 (CVE-2022-41912), S-WRAP-2, S-WRAP-5 (assertion inside Advice), S-WRAP-6,
 * S-SEM-24, S-SEM-25, S-XSW-1..8 (each leaves two assertions or moves the one away from the
 * Response), S-ENC-4 (a plain assertion beside an encrypted one), S-ENC-8.
 */
import type { Element } from '@xmldom/xmldom';
import { SamlError } from '../errors.ts';
import type { ParsedXml } from '../xml.ts';
import type { ValidationPolicy } from './check-settings.ts';

export interface AssertionSlot {
  kind: 'plain' | 'encrypted';
  element: Element;
}

/**
 * @throws SamlError `saml_assertion_missing`, `saml_assertion_multiple`,
 *   `saml_assertion_misplaced`, `saml_encryption_required`
 */
export function checkSingleAssertion(parsed: ParsedXml, policy: ValidationPolicy): AssertionSlot {
  const { assertions } = parsed;
  if (assertions.length === 0)
    throw new SamlError('saml_assertion_missing', 'The Response carries no assertion');
  if (assertions.length > 1) {
    throw new SamlError('saml_assertion_multiple', 'The Response must carry exactly one assertion', {
      count: assertions.length,
    });
  }
  const element = assertions[0]!;
  if (element.parentNode !== parsed.root) {
    throw new SamlError('saml_assertion_misplaced', 'The assertion is not a child of the Response', {
      parent: (element.parentNode as Element | null)?.nodeName ?? null,
    });
  }
  const kind = element.localName === 'EncryptedAssertion' ? 'encrypted' : 'plain';
  if (kind === 'plain' && policy.wantAssertionsEncrypted) {
    throw new SamlError('saml_encryption_required', 'This configuration requires encrypted assertions');
  }
  return { kind, element };
}
