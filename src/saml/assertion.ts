/**
 * Reads the facts of the one assertion: every semantic check of SAML Core 2.3-2.7 and Profiles
 * 4.1.4.2-4.1.4.3 in a fixed order, then the attributes. It runs on the very DOM element whose
 * signature is verified (before the verification, because these checks are cheap; the facts
 * leave validateResponse only after it), so nothing is read from anywhere the digest did not
 * cover except the enveloped signature itself, which is never read.
 *
 * Attributes are keyed by Name only: FriendlyName is informal, not unique, and letting it alias
 * a Name would let one attribute shadow another (mappings name the Name, e.g. an urn:oid).
 * Two Attribute elements with the same Name are refused (S-SEM-30) rather than merged. Values
 * are the text of AttributeValue (Text and CDATA, comments skipped; S-TXT-2), xsi:nil values
 * are left out, and an EncryptedAttribute is refused (not decrypted, not silently dropped).
 */
import type { Element } from '@xmldom/xmldom';
import { checkAssertionShape } from './checks/check-assertion-shape.ts';
import { checkAudience } from './checks/check-audience.ts';
import { checkAssertionAge, checkAuthnStatement } from './checks/check-authn-statement.ts';
import { checkConditions } from './checks/check-conditions.ts';
import { checkIssuer } from './checks/check-issuer.ts';
import type { ValidationPolicy } from './checks/check-settings.ts';
import { checkSubject } from './checks/check-subject.ts';
import { checkSubjectConfirmation } from './checks/check-subject-confirmation.ts';
import { timeAttribute } from './checks/check-time-window.ts';
import { clip, SamlError } from './errors.ts';
import { attr, deepText, elementChildren, NS } from './xml.ts';

export interface AssertionFacts {
  assertionId: string;
  issuer: string;
  nameId: string | null;
  nameIdFormat: string | null;
  sessionIndex: string | null;
  attributes: Record<string, string[]>;
  /** The SubjectConfirmationData's InResponseTo (signed with the assertion), or null. */
  inResponseTo: string | null;
  notOnOrAfter: number;
  authnInstant: number | null;
  sessionNotOnOrAfter: number | null;
  authnContextClassRef: string | null;
}

function invalid(reason: string, message: string, extra?: Record<string, unknown>): SamlError {
  return new SamlError('saml_assertion_invalid', message, { reason, ...extra });
}

/** Attributes by Name, in document order of their values. */
export function readAttributes(statements: readonly Element[]): Record<string, string[]> {
  // No prototype: an attribute named "__proto__" or "constructor" is just a name.
  const attributes: Record<string, string[]> = Object.create(null);
  for (const statement of statements) {
    for (const child of elementChildren(statement)) {
      if (child.namespaceURI !== NS.assertion || child.localName !== 'Attribute') {
        throw invalid(
          'unsupported_attribute',
          'The AttributeStatement holds something other than an Attribute',
          {
            element: clip(child.tagName),
          },
        );
      }
      const name = attr(child, 'Name');
      if (!name) throw invalid('attribute_name', 'An Attribute has no Name');
      if (Object.hasOwn(attributes, name))
        throw invalid('duplicate_attribute', 'Two Attributes have the same Name', { name: clip(name) });
      const values: string[] = [];
      for (const value of elementChildren(child)) {
        if (value.namespaceURI !== NS.assertion || value.localName !== 'AttributeValue') {
          throw invalid('unexpected_element', 'An Attribute holds something other than AttributeValue', {
            element: clip(value.tagName),
          });
        }
        const nil = value.getAttributeNS(NS.xsi, 'nil');
        if (nil === 'true' || nil === '1') continue;
        values.push(deepText(value));
      }
      attributes[name] = values;
    }
  }
  return attributes;
}

/**
 * Checks the assertion and reads its facts.
 *
 * @throws SamlError every assertion-level code (see the checks it runs)
 */
export function readAssertion(
  assertion: Element,
  responseInResponseTo: string | null,
  policy: ValidationPolicy,
  now: number,
): AssertionFacts {
  const parts = checkAssertionShape(assertion);
  const issuer = checkIssuer(parts.issuer, 'assertion', policy)!;
  const subject = checkSubject(parts.subject, policy);
  const confirmation = checkSubjectConfirmation(subject.confirmations, responseInResponseTo, policy, now);
  const conditionsEnd = checkConditions(parts.conditions, policy, now);
  checkAudience(parts.conditions, policy);
  const authn = checkAuthnStatement(parts.authnStatement, policy, now);
  checkAssertionAge(timeAttribute(assertion, 'IssueInstant'), authn.authnInstant, policy, now);
  return {
    assertionId: parts.id,
    issuer,
    nameId: subject.nameId,
    nameIdFormat: subject.nameIdFormat,
    sessionIndex: authn.sessionIndex,
    attributes: readAttributes(parts.attributeStatements),
    inResponseTo: confirmation.inResponseTo,
    // The latest instant the assertion may be used: both windows must still be open.
    notOnOrAfter:
      conditionsEnd === null ? confirmation.notOnOrAfter : Math.min(conditionsEnd, confirmation.notOnOrAfter),
    authnInstant: authn.authnInstant,
    sessionNotOnOrAfter: authn.sessionNotOnOrAfter,
    authnContextClassRef: authn.authnContextClassRef,
  };
}
