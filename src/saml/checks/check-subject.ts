/**
 * SAML Core 2.4.1 (Subject) and 2.2.3 (NameID): at most one identifier, which must be a NameID
 * with text (an EncryptedID or BaseID is refused: Drawbridge does not decrypt identifiers, and
 * silently dropping one would change who signs in). A Subject without any identifier yields
 * `nameId: null` (the caller may key on an attribute). The NameID text is returned verbatim:
 * Text and CDATA joined, comments skipped, no trimming and no case folding (S-TXT-7: the
 * identity layer normalises). SPNameQualifier, when present, must be our entity ID.
 *
 * Closes: S-TXT-1, S-TXT-4, S-TXT-5 (the full text digested is the text read), S-SEM-28
 * (empty NameID), S-SEM-29 (SPNameQualifier of another SP).
 */
import type { Element } from '@xmldom/xmldom';
import { clip, SamlError } from '../errors.ts';
import { attr, elementChildren, NS, simpleText } from '../xml.ts';
import type { ValidationPolicy } from './check-settings.ts';

export interface SubjectFacts {
  nameId: string | null;
  nameIdFormat: string | null;
  confirmations: Element[];
}

const IDENTIFIERS = new Set(['NameID', 'BaseID', 'EncryptedID']);

/** @throws SamlError `saml_subject_missing`, `saml_assertion_invalid`, `saml_audience_mismatch` */
export function checkSubject(subject: Element, policy: ValidationPolicy): SubjectFacts {
  const identifiers: Element[] = [];
  const confirmations: Element[] = [];
  for (const child of elementChildren(subject)) {
    const name = child.localName ?? '';
    if (child.namespaceURI === NS.assertion && IDENTIFIERS.has(name)) identifiers.push(child);
    else if (child.namespaceURI === NS.assertion && name === 'SubjectConfirmation') confirmations.push(child);
    else {
      throw new SamlError(
        'saml_assertion_invalid',
        'The Subject holds an element the schema does not allow',
        {
          reason: 'unexpected_element',
          element: clip(child.tagName),
        },
      );
    }
  }
  if (identifiers.length > 1) {
    throw new SamlError('saml_assertion_invalid', 'The Subject holds several identifiers', {
      reason: 'identifier_count',
    });
  }
  const identifier = identifiers[0];
  if (!identifier) return { nameId: null, nameIdFormat: null, confirmations };
  if (identifier.localName !== 'NameID') {
    throw new SamlError('saml_subject_missing', 'The Subject identifier is not a plain NameID', {
      reason: 'unsupported_identifier',
      element: identifier.localName,
    });
  }
  const nameId = simpleText(identifier);
  if (nameId === null) {
    throw new SamlError('saml_assertion_invalid', 'The NameID holds elements', { reason: 'nameid_not_text' });
  }
  if (nameId.trim() === '')
    throw new SamlError('saml_subject_missing', 'The NameID is empty', { reason: 'empty_nameid' });
  const spNameQualifier = attr(identifier, 'SPNameQualifier');
  if (spNameQualifier !== null && spNameQualifier !== policy.spEntityId) {
    throw new SamlError('saml_audience_mismatch', 'The NameID was issued for another service provider', {
      reason: 'sp_name_qualifier',
      expected: policy.spEntityId,
      got: clip(spNameQualifier),
    });
  }
  return { nameId, nameIdFormat: attr(identifier, 'Format'), confirmations };
}
