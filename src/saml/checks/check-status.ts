/**
 * SAML Core 3.2.2.1-3.2.2.2: only a top-level StatusCode of Success yields a login. An error
 * status is refused even when signed and even when an assertion rides along, and the nested
 * (second-level) codes and message are kept for the admin trace.
 *
 * Closes: S-SIG-14 (signed error status with an injected assertion), S-SEM-39 (Responder /
 * AuthnFailed and similar nested codes).
 */
import type { Element } from '@xmldom/xmldom';
import { clip, SamlError } from '../errors.ts';
import { attr, childrenNamed, NS, simpleText } from '../xml.ts';

const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';

/** @throws SamlError `saml_status_not_success` */
export function checkStatus(status: Element): void {
  const codes: string[] = [];
  let code = childrenNamed(status, NS.protocol, 'StatusCode')[0];
  // The chain is short in practice; four levels are plenty for the trace.
  while (code && codes.length < 4) {
    codes.push(attr(code, 'Value') ?? '');
    code = childrenNamed(code, NS.protocol, 'StatusCode')[0];
  }
  if (codes[0] === SUCCESS && childrenNamed(status, NS.protocol, 'StatusCode').length === 1) return;
  const message = childrenNamed(status, NS.protocol, 'StatusMessage')[0];
  throw new SamlError('saml_status_not_success', 'The IdP answered with an error status', {
    statusCodes: codes.map((c) => clip(c)),
    statusMessage: message ? clip(simpleText(message)) : null,
  });
}
