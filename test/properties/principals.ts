/**
 * Which caller sends a random request, and with which headers. Weighted towards callers that
 * get past authorisation, because a request refused at the door never reaches the handler.
 */

import fc from 'fast-check';
import type { Fixture, PrincipalName } from './fixture.ts';
import type { RouteSpec } from './route-spec.ts';

/** Any caller, from the instance admin to nobody at all. */
export const principalArb: fc.Arbitrary<PrincipalName> = fc.oneof(
  { arbitrary: fc.constant<PrincipalName>('instanceAdmin'), weight: 4 },
  { arbitrary: fc.constant<PrincipalName>('orgAdminSession'), weight: 3 },
  { arbitrary: fc.constant<PrincipalName>('orgAdminKey'), weight: 2 },
  { arbitrary: fc.constant<PrincipalName>('orgViewerKey'), weight: 1 },
  { arbitrary: fc.constant<PrincipalName>('otherOrgAdminKey'), weight: 1 },
  { arbitrary: fc.constant<PrincipalName>('anonymous'), weight: 1 },
);

/** Only callers with admin rights over the fixture organisation, so requests reach the handler. */
export const adminPrincipalArb: fc.Arbitrary<PrincipalName> = fc.constantFrom<PrincipalName>(
  'instanceAdmin',
  'orgAdminSession',
  'orgAdminKey',
);

/** The headers of `principal` for `route` (the session cookie is never sent to logout). */
export function headersFor(f: Fixture, route: RouteSpec, principal: PrincipalName): Record<string, string> {
  if (route.endsSession && principal === 'orgAdminSession') return { ...f.headers.anonymous };
  return { ...f.headers[principal] };
}
