/**
 * SAML Core 3.2.2 (Destination), Bindings 3.5.5.2 and Profiles 4.1.4.5: a Response that names a
 * Destination must name our ACS URL; a signed Response MUST name one ("If the message is
 * signed, the Destination XML attribute ... MUST contain the URL to which the sender has
 * instructed the user agent to deliver the message"), so a signed Response without it is
 * refused. An unsigned Response may omit it (the signed assertion's Recipient still binds the
 * message to our ACS, checks/check-subject-confirmation.ts).
 *
 * URL comparison (also used for Recipient): scheme and host compare case-insensitively and a
 * default port equals no port, as URLs do; the path and query must match byte for byte (no
 * trailing-slash, case or dot-segment folding), so one ACS can never stand in for another.
 *
 * Closes: S-SEM-6 (wrong Destination), S-SEM-7 (empty; absent on a signed Response),
 * S-SEM-8 (documented normalisation), S-MT-1 (another configuration's ACS).
 */
import { clip, SamlError } from '../errors.ts';
import type { ResponseEnvelope } from './check-response-root.ts';
import type { ValidationPolicy } from './check-settings.ts';

const ABSOLUTE = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*([\s\S]*)$/;

/** True when `got` names the same endpoint as `expected` (see the header for the rules). */
export function sameEndpoint(got: string, expected: string): boolean {
  if (got === expected) return true;
  const gotRest = ABSOLUTE.exec(got)?.[1];
  const expectedRest = ABSOLUTE.exec(expected)?.[1];
  if (gotRest === undefined || expectedRest === undefined || gotRest !== expectedRest) return false;
  try {
    const a = new URL(got);
    const b = new URL(expected);
    return a.origin === b.origin && a.origin !== 'null' && a.username === '' && a.password === '';
  } catch {
    return false;
  }
}

/** @throws SamlError `saml_destination_mismatch` */
export function checkDestination(envelope: ResponseEnvelope, policy: ValidationPolicy): void {
  const { destination } = envelope;
  if (destination === null) {
    if (envelope.signature === null) return;
    throw new SamlError('saml_destination_mismatch', 'A signed Response must name its Destination', {
      expected: policy.acsUrl,
      got: null,
    });
  }
  if (!sameEndpoint(destination, policy.acsUrl)) {
    throw new SamlError('saml_destination_mismatch', 'The Response was sent to another endpoint', {
      expected: policy.acsUrl,
      got: clip(destination),
    });
  }
}
