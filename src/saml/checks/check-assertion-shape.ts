/**
 * SAML Core 2.3.3 (Assertion) and Profiles 4.1.4.2: Version "2.0", an ID and IssueInstant, one
 * Issuer, one Subject, at most one Conditions and one Advice, and, for Web Browser SSO, exactly
 * one AuthnStatement; no element the schema does not allow. The parts are returned by position
 * so that later checks never search for them.
 *
 * Closes: S-SEM-31 (two Conditions), S-SEM-32 (no or several AuthnStatements), S-SEM-34 and
 * S-SEM-36 (version), S-SIG-9 and S-PD-4 side cases (unknown children, including a Signature
 * in a foreign namespace, are refused rather than skipped).
 */
import type { Element } from '@xmldom/xmldom';
import { clip, SamlError } from '../errors.ts';
import { attr, elementChildren, NS, parseDateTime } from '../xml.ts';
import { NC_NAME } from './check-response-root.ts';

export interface AssertionParts {
  assertion: Element;
  id: string;
  issuer: Element | null;
  subject: Element;
  conditions: Element | null;
  authnStatement: Element;
  attributeStatements: Element[];
}

const ALLOWED = new Set(['Issuer', 'Subject', 'Conditions', 'AuthnStatement', 'AttributeStatement']);
/** Allowed by the schema, never read: statements this profile does not use, and Advice. */
const IGNORED_STATEMENTS = new Set(['AuthzDecisionStatement', 'Statement', 'Advice']);

function invalid(reason: string, message: string, extra?: Record<string, unknown>): SamlError {
  return new SamlError('saml_assertion_invalid', message, { reason, ...extra });
}

/** @throws SamlError `saml_version_unsupported`, `saml_assertion_invalid`, `saml_subject_missing` */
export function checkAssertionShape(assertion: Element): AssertionParts {
  const version = attr(assertion, 'Version');
  if (version !== '2.0') {
    throw new SamlError('saml_version_unsupported', 'Only SAML 2.0 assertions are accepted', {
      got: clip(version),
    });
  }
  const id = attr(assertion, 'ID');
  if (!id || !NC_NAME.test(id)) throw invalid('id', 'The assertion has no valid ID', { got: clip(id) });
  const issueInstant = attr(assertion, 'IssueInstant');
  if (!issueInstant || parseDateTime(issueInstant) === null) {
    throw invalid('issue_instant', 'The assertion has no valid IssueInstant', { got: clip(issueInstant) });
  }

  const found = new Map<string, Element[]>();
  for (const child of elementChildren(assertion)) {
    if (child.namespaceURI === NS.dsig && child.localName === 'Signature') continue;
    const name = child.localName ?? '';
    if (child.namespaceURI !== NS.assertion || !(ALLOWED.has(name) || IGNORED_STATEMENTS.has(name))) {
      throw invalid('unexpected_element', 'The assertion holds an element the schema does not allow', {
        element: clip(child.tagName),
      });
    }
    found.set(name, [...(found.get(name) ?? []), child]);
  }
  const all = (name: string) => found.get(name) ?? [];
  for (const single of ['Issuer', 'Subject', 'Conditions', 'Advice']) {
    if (all(single).length > 1)
      throw invalid(`${single.toLowerCase()}_count`, `The assertion holds several ${single}`);
  }
  const subject = all('Subject')[0];
  if (!subject) throw new SamlError('saml_subject_missing', 'The assertion has no Subject');
  const authn = all('AuthnStatement');
  if (authn.length !== 1) {
    throw invalid('authn_statement_count', 'The assertion must hold exactly one AuthnStatement', {
      count: authn.length,
    });
  }
  return {
    assertion,
    id,
    issuer: all('Issuer')[0] ?? null,
    subject,
    conditions: all('Conditions')[0] ?? null,
    authnStatement: authn[0]!,
    attributeStatements: all('AttributeStatement'),
  };
}
