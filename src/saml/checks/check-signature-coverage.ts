/**
 * SAML Profiles 4.1.3.5 / 4.1.4.3: the assertion must be protected by a signature, either its
 * own or the Response's (which covers it, being its parent). Drawbridge requires the assertion's
 * own signature by default (`requireSignedAssertion`), as node-saml's `wantAssertionsSigned`
 * does; a Response signature is optional unless it is the one protecting the assertion.
 *
 * Closes: S-SIG-1 (nothing signed), S-SIG-3 (only the Response signed, policy requires the
 * assertion's), S-SIG-4 (recorded policy: an unsigned Response around a signed assertion is
 * accepted), S-ENC-1 and S-ENC-2 (an encrypted assertion is not authenticated by encryption).
 */
import { SamlError } from '../errors.ts';
import type { ValidationPolicy } from './check-settings.ts';

/** @throws SamlError `saml_signature_missing`, `saml_assertion_unsigned` */
export function checkSignatureCoverage(
  assertionSigned: boolean,
  responseSigned: boolean,
  policy: ValidationPolicy,
): void {
  if (assertionSigned) return;
  if (!responseSigned)
    throw new SamlError('saml_signature_missing', 'Neither the Response nor the assertion is signed');
  if (policy.requireSignedAssertion) {
    throw new SamlError(
      'saml_assertion_unsigned',
      'The assertion is not signed, and this configuration requires it',
      {
        responseSigned,
      },
    );
  }
}
