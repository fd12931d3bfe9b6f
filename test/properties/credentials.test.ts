/**
 * (e) Random Authorization headers and session cookies at every admin route: always 401
 * unauthorized (never a 5xx, never a 2xx) and nothing written. Requests carry valid ids
 * and valid bodies, so that only the credentials are wrong. Credential checks do not
 * depend on the engine: SQLite only.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ADMIN_KEY } from '../support/app.ts';
import { errorCode } from './answer-checks.ts';
import { exchange } from './exchange.ts';
import { describeOutcome, PropertyViolation } from './failure-report.ts';
import { createFixture, type Fixture } from './fixture.ts';
import { fresh } from './fresh.ts';
import { runs } from './property-runs.ts';
import { ADMIN_ROUTES, routeArb } from './route-catalogue.ts';
import type { RouteSpec } from './route-spec.ts';
import { validUrl } from './route-urls.ts';
import type { Outcome } from './send.ts';

/** Characters a header value may carry (visible ASCII, space, tab, and obs-text bytes). */
const headerChar = fc.oneof(
  { arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), weight: 8 },
  { arbitrary: fc.constantFrom('\t', '\u0080', '\u00a0', '\u00e9', '\u00ff'), weight: 1 },
);
const headerText = (maxLength = 80) => fc.string({ unit: headerChar, maxLength });

/** Keys that look like keys: the dbk_ shape with random parts, and near-misses of the admin key. */
const keyLike: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(fc.stringMatching(/^[0-9a-f]{16}$/), fc.stringMatching(/^[A-Za-z0-9_-]{43}$/))
    .map(([id, secret]) => `dbk_${id}.${secret}`),
  fc.stringMatching(/^dbk_[0-9a-fA-F]{0,20}\.?[A-Za-z0-9_.-]{0,50}$/),
  fc
    .nat({ max: ADMIN_KEY.length - 1 })
    .chain((i) =>
      fc.constantFrom(
        ADMIN_KEY.slice(0, i),
        `${ADMIN_KEY}x`,
        ADMIN_KEY.toUpperCase(),
        `${ADMIN_KEY.slice(0, i)}${ADMIN_KEY[i] === 'a' ? 'b' : 'a'}${ADMIN_KEY.slice(i + 1)}`,
      ),
    ),
  headerText(120).filter((s) => !/\s/.test(s) && s.length > 0),
);

const authorization: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: keyLike.map((k) => `Api-Key ${k}`), weight: 4 },
  {
    arbitrary: fc
      .tuple(fc.constantFrom('api-key', 'API-KEY', 'Api-Key', 'Api-Key\t', 'Api-Key  '), keyLike)
      .map(([scheme, k]) => `${scheme} ${k}`),
    weight: 2,
  },
  {
    arbitrary: fc
      .tuple(fc.constantFrom('Bearer', 'Basic', 'Token', 'ApiKey', 'Api-Key:', 'Digest', ''), headerText())
      .map(([scheme, rest]) => `${scheme} ${rest}`),
    weight: 2,
  },
  { arbitrary: headerText(), weight: 2 },
  {
    arbitrary: fc.constantFrom('', ' ', 'Api-Key', 'Api-Key ', 'Api-Key dbk_', `Api-Key ${ADMIN_KEY} extra`),
    weight: 1,
  },
);

const cookieValue: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_-]{43}$/),
  fc.stringMatching(/^[A-Za-z0-9_-]{0,60}$/),
  headerText(60).filter((s) => !s.includes(';')),
  fc.constantFrom('', '%', '%zz', '%00', '"', '""', 'undefined', 'null', 's%3Aabc.def', 'x'.repeat(4096)),
);

const cookieHeader = (name: string): fc.Arbitrary<string> =>
  fc.oneof(
    { arbitrary: cookieValue.map((v) => `${name}=${v}`), weight: 4 },
    {
      arbitrary: fc.tuple(cookieValue, cookieValue).map(([a, b]) => `${name}=${a}; ${name}=${b}`),
      weight: 1,
    },
    {
      arbitrary: fc.tuple(headerText(30), cookieValue).map(([k, v]) => `${k}=${v}; ${name}=${v}`),
      weight: 1,
    },
    { arbitrary: headerText(), weight: 1 },
  );

function expectUnauthorized(o: Outcome): void {
  if (o.status !== 401 || errorCode(o) !== 'unauthorized') {
    throw new PropertyViolation(`expected 401 unauthorized\n${describeOutcome(o)}`);
  }
}

function request(f: Fixture, route: RouteSpec, headers: Record<string, string>) {
  const body = route.body ? JSON.stringify(route.validBody?.(f, fresh()) ?? {}) : undefined;
  return {
    method: route.method,
    url: validUrl(route, f),
    headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { payload: body } : {}),
  };
}

const name = (r: RouteSpec) => `${r.method} ${r.path}`;

describe('random credentials (sqlite)', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await createFixture('sqlite');
  });
  afterAll(() => f?.t.close());

  it.each(ADMIN_ROUTES.map((r) => [name(r), r] as const))(
    '%s answers a random Authorization header with 401 and writes nothing',
    async (_name, route) => {
      await fc.assert(
        fc.asyncProperty(authorization, async (header) => {
          expectUnauthorized(await exchange(f, request(f, route, { authorization: header })));
        }),
        { numRuns: runs(12) },
      );
    },
  );

  it.each(ADMIN_ROUTES.map((r) => [name(r), r] as const))(
    '%s answers a random session cookie with 401 and writes nothing',
    async (_name, route) => {
      await fc.assert(
        fc.asyncProperty(cookieHeader(f.t.config.SESSION_COOKIE_NAME), async (cookie) => {
          expectUnauthorized(await exchange(f, request(f, route, { cookie })));
        }),
        { numRuns: runs(8) },
      );
    },
  );

  it('answers a random Authorization header next to a valid session cookie with 401 (the header wins)', async () => {
    await fc.assert(
      fc.asyncProperty(routeArb(ADMIN_ROUTES), authorization, async (route, header) => {
        const o = await exchange(
          f,
          request(f, route, { ...f.headers.orgAdminSession, authorization: header }),
        );
        expectUnauthorized(o);
      }),
      { numRuns: runs(60) },
    );
  });

  it('refuses a cookie-authenticated write from any other Origin with 403 csrf_origin_mismatch, writing nothing', async () => {
    const writes = ADMIN_ROUTES.filter((r) => r.method !== 'GET');
    const origin = fc
      .oneof(
        fc.webUrl().map((u) => new URL(u).origin),
        fc.constantFrom(
          'null',
          'http://drawbridge.test.evil.example',
          'https://drawbridge.test',
          'http://drawbridge.test:80x',
          'http://DRAWBRIDGE.test',
          'http://drawbridge.test/',
          '',
        ),
        headerText(40),
      )
      .filter((o) => o !== f.t.config.BASE_URL);
    await fc.assert(
      fc.asyncProperty(routeArb(writes), origin, async (route, from) => {
        const o = await exchange(f, request(f, route, { ...f.headers.orgAdminSession, origin: from }));
        if (o.status !== 403 || errorCode(o) !== 'csrf_origin_mismatch') {
          throw new PropertyViolation(`expected 403 csrf_origin_mismatch\n${describeOutcome(o)}`);
        }
      }),
      { numRuns: runs(60) },
    );
  });

  it('answers no credentials at all with 401 on every admin route', async () => {
    await fc.assert(
      fc.asyncProperty(routeArb(ADMIN_ROUTES), async (route) => {
        expectUnauthorized(await exchange(f, request(f, route, {})));
      }),
      { numRuns: runs(40) },
    );
  });
});
