/**
 * What the property tests know about a route: its method and path, whether it needs a caller
 * and takes a body, how to build a valid body and near-valid fields, and which fixture ids
 * fill its :params. The catalogue itself is route-catalogue.ts.
 */

import type fc from 'fast-check';
import type { Fixture } from './fixture.ts';

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface RouteSpec {
  method: Method;
  /** Fastify path with :params. */
  path: string;
  /** Whether the route needs a caller (every admin route does). */
  auth: boolean;
  /** Whether the route declares a body schema. */
  body: boolean;
  /** A body the route accepts (for routes with a body schema), fresh per call. */
  validBody?: (f: Fixture, n: number) => Record<string, unknown>;
  /** Field names and plausible values, for near-valid random bodies. */
  fields?: Record<string, fc.Arbitrary<unknown>>;
  /** Fields holding text (or, for attributes, a map of text), for the poisoned-text property. */
  textFields?: string[];
  /** Which fixture id fills each :param. */
  params?: (f: Fixture) => Record<string, string>;
  /** List routes and their query keys. */
  query?: string[];
  /** Writes login traces by design (failed sign-ins are recorded). */
  writesLoginTraces?: boolean;
  /** The code of a body over the route's size limit, when not the generic payload_too_large. */
  oversizedBodyCode?: string;
  /** Ends the caller's session (logout, logout-all): never sent with the fixture session cookie. */
  endsSession?: boolean;
}

// The :params of the routes, filled from the fixture so that handlers find what they look for.
export const org = '/api/v1/organisations/:orgId';
export const orgOnly = (f: Fixture) => ({ orgId: f.orgId });
export const orgUser = (f: Fixture) => ({ orgId: f.orgId, userId: f.userId });
export const orgGroup = (f: Fixture) => ({ orgId: f.orgId, groupId: f.groupId });
export const orgGroupMember = (f: Fixture) => ({ orgId: f.orgId, groupId: f.groupId, userId: f.userId });
export const orgDomain = (f: Fixture) => ({ orgId: f.orgId, domainId: f.domainId });
export const orgSaml = (f: Fixture) => ({ orgId: f.orgId, name: f.samlName });
export const samlName = (f: Fixture) => ({ name: f.samlName });
export const orgOidc = (f: Fixture) => ({ orgId: f.orgId, name: f.oidcName });
export const oidcName = (f: Fixture) => ({ name: f.oidcName });
