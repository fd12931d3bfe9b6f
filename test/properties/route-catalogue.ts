/**
 * Every route of the app, in one list, and the slices the properties fuzz (write, body, :param
 * and admin routes). The rows live in three files by area; the order here is the order of the
 * tests, so keep it when adding a route.
 */

import fc from 'fast-check';
import { ACCOUNT_ROUTES } from './account-routes.ts';
import { DIRECTORY_ROUTES } from './directory-routes.ts';
import type { RouteSpec } from './route-spec.ts';
import { SSO_ROUTES } from './sso-routes.ts';

export const ROUTES: RouteSpec[] = [...ACCOUNT_ROUTES, ...DIRECTORY_ROUTES, ...SSO_ROUTES];

export const WRITE_ROUTES = ROUTES.filter((r) => r.method !== 'GET');
export const BODY_ROUTES = ROUTES.filter((r) => r.body);
export const PARAM_ROUTES = ROUTES.filter((r) => r.path.includes(':'));
export const ADMIN_ROUTES = ROUTES.filter((r) => r.auth);

export const routeName = (r: RouteSpec): string => `${r.method} ${r.path}`;

/** A route picked by its name, so that counterexamples print "POST /api/v1/..." rather than the spec. */
export const routeArb = (list: RouteSpec[]): fc.Arbitrary<RouteSpec> =>
  fc.constantFrom(...list.map(routeName)).map((n) => list.find((r) => routeName(r) === n)!);
