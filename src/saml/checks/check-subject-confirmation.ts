/**
 * SAML Profiles 4.1.4.2-4.1.4.3 (bearer SubjectConfirmation) and Core 2.4.1.1-2.4.1.2: the
 * subject is confirmed by a SubjectConfirmation whose Method is bearer and whose
 * SubjectConfirmationData has Recipient = our ACS URL, a NotOnOrAfter still in the future
 * (with skew), no NotBefore in the future, and an InResponseTo equal to the Response's when both
 * carry one. Other methods (holder-of-key, sender-vouches) cannot be confirmed by a browser POST
 * and are ignored; satisfying one bearer confirmation is enough (Core 2.4.1.1).
 *
 * InResponseTo returned: the signed SubjectConfirmationData's value, else the Response's only
 * if the Response signature covered it, else null (the caller then treats the login as
 * unsolicited). An unsigned Response attribute is never handed on as a fact.
 *
 * Closes: S-SEM-5 (Recipient), S-SEM-9, S-SEM-12, S-SEM-13 (NotOnOrAfter), S-SEM-14
 * (non-bearer), S-SEM-15 (no confirmation/data), S-SEM-20 (InResponseTo disagreement).
 */
import type { Element } from '@xmldom/xmldom';
import { clip, SamlError } from '../errors.ts';
import { attr, childrenNamed, NS } from '../xml.ts';
import { sameEndpoint } from './check-destination.ts';
import type { ValidationPolicy } from './check-settings.ts';
import { checkNotBefore, checkNotOnOrAfter, timeAttribute } from './check-time-window.ts';

const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';

export interface ConfirmationFacts {
  /** InResponseTo from the SubjectConfirmationData, or null. */
  inResponseTo: string | null;
  notOnOrAfter: number;
}

function invalid(reason: string, message: string, extra?: Record<string, unknown>): SamlError {
  return new SamlError('saml_subject_confirmation_invalid', message, { reason, ...extra });
}

function checkBearer(
  confirmation: Element,
  responseInResponseTo: string | null,
  policy: ValidationPolicy,
  now: number,
): ConfirmationFacts {
  const data = childrenNamed(confirmation, NS.assertion, 'SubjectConfirmationData');
  if (data.length !== 1)
    throw invalid('data_count', 'A bearer confirmation needs one SubjectConfirmationData');
  const scd = data[0]!;
  const recipient = attr(scd, 'Recipient');
  if (recipient === null || !sameEndpoint(recipient, policy.acsUrl)) {
    throw new SamlError('saml_recipient_mismatch', 'The assertion was issued for another endpoint', {
      expected: policy.acsUrl,
      got: clip(recipient),
    });
  }
  const notOnOrAfter = timeAttribute(scd, 'NotOnOrAfter');
  if (notOnOrAfter === null)
    throw invalid('not_on_or_after', 'A bearer confirmation must say when it expires');
  checkNotOnOrAfter(notOnOrAfter, now, policy.skewMs, 'subject_confirmation');
  checkNotBefore(timeAttribute(scd, 'NotBefore'), now, policy.skewMs, 'subject_confirmation');
  const inResponseTo = attr(scd, 'InResponseTo');
  if (inResponseTo !== null && responseInResponseTo !== null && inResponseTo !== responseInResponseTo) {
    throw new SamlError(
      'saml_in_response_to_mismatch',
      'The Response and the assertion answer different requests',
      {
        response: clip(responseInResponseTo),
        assertion: clip(inResponseTo),
      },
    );
  }
  return { inResponseTo, notOnOrAfter };
}

/**
 * @throws SamlError `saml_subject_confirmation_invalid`, `saml_recipient_mismatch`, `saml_expired`,
 *   `saml_not_yet_valid`, `saml_in_response_to_mismatch`, `saml_assertion_invalid`
 */
export function checkSubjectConfirmation(
  confirmations: readonly Element[],
  responseInResponseTo: string | null,
  policy: ValidationPolicy,
  now: number,
): ConfirmationFacts {
  const bearers = confirmations.filter((c) => attr(c, 'Method') === BEARER);
  if (bearers.length === 0) {
    throw invalid('no_bearer', 'The assertion has no bearer SubjectConfirmation', {
      methods: confirmations.map((c) => clip(attr(c, 'Method'))),
    });
  }
  let firstFailure: unknown;
  for (const bearer of bearers) {
    try {
      return checkBearer(bearer, responseInResponseTo, policy, now);
    } catch (error) {
      firstFailure ??= error;
    }
  }
  throw firstFailure;
}
