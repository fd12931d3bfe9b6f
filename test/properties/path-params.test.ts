/**
 * (b) Random path parameters in every route with :params, on both engines: never a 5xx,
 * never a 2xx for an id that does not exist (or belongs to another tenant), and nothing
 * written when the request is refused.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ENGINES } from '../support/databases.ts';
import type { TableName } from './database-snapshot.ts';
import { exchange } from './exchange.ts';
import { describeOutcome, PropertyViolation } from './failure-report.ts';
import { createFixture, type Fixture } from './fixture.ts';
import { fresh } from './fresh.ts';
import { hostileString, nastyChar } from './hostile-values.ts';
import { adminPrincipalArb, headersFor } from './principals.ts';
import { runs } from './property-runs.ts';
import { PARAM_ROUTES } from './route-catalogue.ts';
import type { RouteSpec } from './route-spec.ts';
import { encodeSegment, paramNames, urlFor } from './route-urls.ts';

const name = (r: RouteSpec) => `${r.method} ${r.path}`;

/** Ids within the schema's bounds (1-64 characters) that look like ids, and strings that do not. */
const randomId: fc.Arbitrary<string> = fc
  .oneof(
    { arbitrary: hostileString, weight: 4 },
    { arbitrary: fc.string({ unit: nastyChar, minLength: 1, maxLength: 8 }), weight: 3 },
    { arbitrary: fc.uuid(), weight: 2 },
    { arbitrary: fc.stringMatching(/^[0-9a-f]{16}$/), weight: 1 },
    {
      arbitrary: fc.constantFrom(
        '..',
        '.',
        '/',
        '%2F',
        '%00',
        '?',
        '#',
        ' ',
        '0',
        '-1',
        'null',
        'undefined',
        '*',
        '%',
      ),
      weight: 2,
    },
  )
  // "." and ".." (even as %2E%2E) are dot-segments that the URL parser removes before a
  // server sees them (WHATWG URL, which inject and every browser use): not ids a server receives.
  .filter((v) => v.length >= 1 && v.length <= 64 && v !== '.' && v !== '..');

/** Ids longer than any id (the schema allows 64 characters; the router caps parameters too). */
const overlongId: fc.Arbitrary<string> = fc
  .record({
    length: fc.constantFrom(65, 100, 101, 256, 5000),
    char: fc.constantFrom('x', '0', 'é', '%', '\u0000'),
  })
  .map(({ length, char }) => char.repeat(length));

/** Unencoded segments that break URL parsing: stray %, encoded slashes and dots, overlong UTF-8. */
const rawToken = fc.constantFrom(
  '%',
  '%Z',
  '%zz',
  '%2F',
  '%2f',
  '%2E%2E',
  '%00',
  '%C0%AF',
  '%ED%A0%80',
  '%FF',
  '%E2%82',
  'a',
  'é',
  '💥',
  ';',
  ',',
  '*',
  '~',
  '!',
  '$',
  '&',
  '+',
  '=',
  '@',
  ':',
  "'",
  '(',
  '"',
  '<',
  '\\',
  '|',
  '^',
  '`',
  '{',
);
const rawSegment = fc.array(rawToken, { minLength: 1, maxLength: 6 }).map((ts) => ts.join(''));

/** The valid ids of `route` as a map, and a valid body when the route needs one. */
function validValues(route: RouteSpec, f: Fixture): Record<string, string> {
  return route.params ? route.params(f) : {};
}

function payloadFor(route: RouteSpec, f: Fixture): { headers: Record<string, string>; payload?: string } {
  if (!route.body) return { headers: {} };
  // PATCH with {} is valid for every PATCH route; creations get a fresh valid body.
  const body = route.method === 'PATCH' ? {} : (route.validBody?.(f, fresh()) ?? {});
  return { headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) };
}

/** A refused sign-in is recorded by design (login traces); nothing else may change. */
function mayWriteFor(route: RouteSpec): { mayWrite: TableName[] } {
  return { mayWrite: route.writesLoginTraces ? ['login_traces'] : [] };
}

/** Ids of the other tenant that fit a param of the fixture organisation's routes. */
function otherTenantId(f: Fixture, param: string, route?: RouteSpec): string | undefined {
  switch (param) {
    case 'userId':
      return f.other.userId;
    case 'groupId':
      return f.other.groupId;
    case 'domainId':
      return f.other.domainId;
    case 'keyId':
      return f.other.keyId;
    case 'name':
      return route?.path.includes('/oidc-configurations/') ? f.other.oidcName : f.other.samlName;
    case 'sessionId':
      return f.other.sessionId;
    // Link requests are instance-wide (instance admins only): another tenant has none of its own.
    case 'id':
      return 'no-link-request-of-another-tenant';
    default:
      return undefined;
  }
}

describe.each(ENGINES)('random path parameters (%s)', (engine) => {
  let f: Fixture;
  beforeAll(async () => {
    f = await createFixture(engine);
  });
  afterAll(() => f?.t.close());

  const unknownIdProperty =
    (arb: fc.Arbitrary<string>, numRuns: number) =>
    async (_name: string, route: RouteSpec): Promise<void> => {
      const params = paramNames(route.path);
      const cases = fc.record({
        param: fc.constantFrom(...params),
        value: arb.filter((v) => !f.knownIds.has(v)),
        principal: adminPrincipalArb,
      });
      await fc.assert(
        fc.asyncProperty(cases, async ({ param, value, principal }) => {
          const values = { ...validValues(route, f), [param]: value };
          const url = urlFor(
            route,
            Object.fromEntries(Object.entries(values).map(([k, v]) => [k, encodeSegment(v)])),
          );
          const { headers, payload } = payloadFor(route, f);
          const o = await exchange(
            f,
            {
              method: route.method,
              url,
              headers: { ...headersFor(f, route, principal), ...headers },
              ...(payload !== undefined ? { payload } : {}),
            },
            mayWriteFor(route),
          );
          if (o.status < 400) {
            throw new PropertyViolation(`unknown :${param} was answered ${o.status}\n${describeOutcome(o)}`);
          }
        }),
        { numRuns },
      );
    };

  it.each(PARAM_ROUTES.map((r) => [name(r), r] as const))(
    '%s: an unknown id of 1-64 characters (percent-encoded) is refused below 500 and writes nothing',
    unknownIdProperty(randomId, runs(engine === 'sqlite' ? 25 : 15)),
  );

  // Public sign-in routes (SAML metadata, login, ACS) are addressed by a globally unique
  // configuration name that anyone may use: only organisation routes are tenant-scoped.
  const crossTenant = PARAM_ROUTES.filter((r) => r.auth && paramNames(r.path).some((p) => p !== 'orgId'));
  it.each(crossTenant.map((r) => [name(r), r] as const))(
    '%s: an id of another organisation is refused as unknown and writes nothing',
    async (_name, route) => {
      const params = paramNames(route.path).filter((p) => p !== 'orgId');
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...params), adminPrincipalArb, async (param, principal) => {
          const other = otherTenantId(f, param, route)!;
          const values = { ...validValues(route, f), [param]: other };
          const { headers, payload } = payloadFor(route, f);
          const o = await exchange(
            f,
            {
              method: route.method,
              url: urlFor(route, values),
              headers: { ...headersFor(f, route, principal), ...headers },
              ...(payload !== undefined ? { payload } : {}),
            },
            mayWriteFor(route),
          );
          if (o.status < 400) {
            throw new PropertyViolation(
              `another tenant's :${param} was answered ${o.status}\n${describeOutcome(o)}`,
            );
          }
        }),
        { numRuns: runs(6) },
      );
    },
  );

  const orgRoutes = PARAM_ROUTES.filter((r) => paramNames(r.path).includes('orgId'));
  it.each(orgRoutes.map((r) => [name(r), r] as const))(
    '%s: an organisation-scoped caller naming another organisation is refused and writes nothing',
    async (_name, route) => {
      const scoped = fc.constantFrom('orgAdminSession', 'orgAdminKey', 'orgViewerKey') as fc.Arbitrary<
        'orgAdminSession' | 'orgAdminKey' | 'orgViewerKey'
      >;
      await fc.assert(
        fc.asyncProperty(scoped, async (principal) => {
          // Every id is the other organisation's own, so a leak would answer 2xx.
          const values: Record<string, string> = { orgId: f.other.orgId };
          for (const p of paramNames(route.path)) if (p !== 'orgId') values[p] = otherTenantId(f, p, route)!;
          const { headers, payload } = payloadFor(route, f);
          const o = await exchange(
            f,
            {
              method: route.method,
              url: urlFor(route, values),
              headers: { ...headersFor(f, route, principal), ...headers },
              ...(payload !== undefined ? { payload } : {}),
            },
            mayWriteFor(route),
          );
          if (o.status < 400) {
            throw new PropertyViolation(
              `${principal} reached another organisation: ${o.status}\n${describeOutcome(o)}`,
            );
          }
        }),
        { numRuns: runs(3) },
      );
    },
  );
});

// Routing and URL decoding do not depend on the engine: SQLite only.
describe('hostile URLs (sqlite)', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await createFixture('sqlite');
  });
  afterAll(() => f?.t.close());

  it.each(PARAM_ROUTES.map((r) => [name(r), r] as const))(
    '%s: an id longer than any id is refused below 500 with a well-formed error and writes nothing',
    async (_name, route) => {
      const params = paramNames(route.path);
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...params),
          overlongId,
          adminPrincipalArb,
          async (param, value, principal) => {
            const values = { ...validValues(route, f), [param]: value };
            const url = urlFor(
              route,
              Object.fromEntries(Object.entries(values).map(([k, v]) => [k, encodeSegment(v)])),
            );
            const { headers, payload } = payloadFor(route, f);
            const o = await exchange(
              f,
              {
                method: route.method,
                url,
                headers: { ...headersFor(f, route, principal), ...headers },
                ...(payload !== undefined ? { payload } : {}),
              },
              mayWriteFor(route),
            );
            if (o.status < 400) {
              throw new PropertyViolation(
                `over-long :${param} was answered ${o.status}\n${describeOutcome(o)}`,
              );
            }
          },
        ),
        { numRuns: runs(8) },
      );
    },
  );

  it.each(PARAM_ROUTES.map((r) => [name(r), r] as const))(
    '%s: unencoded hostile segments (stray percent signs, encoded slashes, NUL, overlong UTF-8) are answered below 500 with a well-formed error',
    async (_name, route) => {
      const params = paramNames(route.path);
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...params),
          rawSegment,
          adminPrincipalArb,
          async (param, raw, principal) => {
            const values = Object.fromEntries(
              Object.entries({ ...validValues(route, f) }).map(([k, v]) => [
                k,
                k === param ? raw : encodeSegment(v),
              ]),
            );
            const { headers, payload } = payloadFor(route, f);
            await exchange(
              f,
              {
                method: route.method,
                url: urlFor(route, values),
                headers: { ...headersFor(f, route, principal), ...headers },
                ...(payload !== undefined ? { payload } : {}),
              },
              mayWriteFor(route),
            );
          },
        ),
        { numRuns: runs(15) },
      );
    },
  );
});
