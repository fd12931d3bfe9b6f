/**
 * SAML Core 3.2.2 (StatusResponseType) and 3.3.3.1 (Response): the root is samlp:Response,
 * recognised by namespace URI and local name, never by prefix (pysaml2 writes ns0:/ns1:);
 * Version is "2.0"; ID and IssueInstant are present; the children are those the schema allows,
 * each as often as it allows (Issuer?, Signature?, Extensions?, Status, assertions).
 *
 * Closes: S-SEM-34 (Version 1.1, missing ID), S-SEM-36 (not SAML 2.0), and narrows wrapping
 * attacks that add unknown children to the Response (S-XSW-7's un-namespaced Extensions).
 */
import type { Element } from '@xmldom/xmldom';
import { clip, SamlError } from '../errors.ts';
import { attr, elementChildren, NS, type ParsedXml, parseDateTime } from '../xml.ts';

/** xs:ID is an NCName; anything else (quotes, spaces, colons) cannot be a reference target. */
export const NC_NAME = /^[\p{L}_][\p{L}\p{N}\p{M}._\-\u00B7\u203F\u2040]*$/u;

export interface ResponseEnvelope {
  response: Element;
  id: string;
  issuer: Element | null;
  status: Element;
  signature: Element | null;
  destination: string | null;
  inResponseTo: string | null;
}

function responseInvalid(reason: string, message: string, extra?: Record<string, unknown>): SamlError {
  return new SamlError('saml_response_invalid', message, { reason, ...extra });
}

/** @throws SamlError `saml_not_a_response`, `saml_version_unsupported`, `saml_response_invalid` */
export function checkResponseRoot(parsed: ParsedXml): ResponseEnvelope {
  const response = parsed.root;
  if (response.namespaceURI !== NS.protocol || response.localName !== 'Response') {
    throw new SamlError('saml_not_a_response', 'The message is not a SAML 2.0 Response', {
      namespace: clip(response.namespaceURI),
      element: clip(response.localName),
    });
  }
  const version = attr(response, 'Version');
  if (version !== '2.0') {
    throw new SamlError('saml_version_unsupported', 'Only SAML 2.0 responses are accepted', {
      got: clip(version),
    });
  }
  const id = attr(response, 'ID');
  if (!id || !NC_NAME.test(id))
    throw responseInvalid('id', 'The Response has no valid ID', { got: clip(id) });
  const issueInstant = attr(response, 'IssueInstant');
  if (!issueInstant || parseDateTime(issueInstant) === null) {
    throw responseInvalid('issue_instant', 'The Response has no valid IssueInstant', {
      got: clip(issueInstant),
    });
  }

  let issuer: Element | null = null;
  let status: Element | null = null;
  let signature: Element | null = null;
  let extensions = 0;
  for (const child of elementChildren(response)) {
    const ns = child.namespaceURI;
    const name = child.localName;
    if (ns === NS.assertion && (name === 'Assertion' || name === 'EncryptedAssertion')) continue;
    if (ns === NS.dsig && name === 'Signature') {
      signature ??= child; // a second one is refused by the placement check, with its own reason
    } else if (ns === NS.assertion && name === 'Issuer' && !issuer) {
      issuer = child;
    } else if (ns === NS.protocol && name === 'Status' && !status) {
      status = child;
    } else if (ns === NS.protocol && name === 'Extensions' && extensions++ === 0) {
      // Extensions may hold anything; assertions and signatures inside it are still counted.
    } else {
      throw responseInvalid('unexpected_element', 'The Response holds an element the schema does not allow', {
        element: clip(child.tagName),
      });
    }
  }
  if (!status) throw responseInvalid('status', 'The Response has no Status');
  return {
    response,
    id,
    issuer,
    status,
    signature,
    destination: attr(response, 'Destination'),
    inResponseTo: attr(response, 'InResponseTo'),
  };
}
