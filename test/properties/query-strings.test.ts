/**
 * (c) Random query strings at the list routes (limit, cursor, search, before), on both
 * engines: never a 5xx, every error well-formed, and a read never writes.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ENGINES } from '../support/databases.ts';
import { exchange } from './exchange.ts';
import { createFixture, type Fixture, type PrincipalName } from './fixture.ts';
import { hostileString, nastyChar } from './hostile-values.ts';
import { runs } from './property-runs.ts';
import { ROUTES } from './route-catalogue.ts';
import type { RouteSpec } from './route-spec.ts';
import { encodeSegment, validUrl } from './route-urls.ts';

const listRoutes = ROUTES.filter((r) => r.query);

/** Numbers as text, near and past every bound, and not-quite-numbers. */
const numberText = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }).map(String),
  fc.constantFrom(
    '0',
    '1',
    '200',
    '201',
    '-1',
    '1.5',
    '1e3',
    '1e400',
    '-0',
    '0x10',
    '0b1',
    ' 5',
    '5 ',
    '',
    'NaN',
    'Infinity',
    '-Infinity',
    '9007199254740991',
    '9007199254740993',
    '99999999999999999999',
    '1_000',
    '١٢',
    'null',
    'true',
    '[]',
  ),
  fc.double().map(String),
  fc.bigInt().map(String),
);

/** Cursors: base64url of anything, including NUL and invalid UTF-8, and plain garbage. */
const cursorText = fc.oneof(
  fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('base64url')),
  fc.string({ unit: nastyChar, maxLength: 10 }).map((s) => Buffer.from(s, 'utf8').toString('base64url')),
  fc.constantFrom('AA', 'AAA', 'AAAA', '_w', '-_', '____', '=', '==', 'a', '%', '.', '..'),
  hostileString,
  fc.integer({ min: 500, max: 600 }).map((n) => 'A'.repeat(n)),
);

const valueFor = (key: string): fc.Arbitrary<string> => {
  switch (key) {
    case 'limit':
    case 'before':
      return fc.oneof({ arbitrary: numberText, weight: 3 }, { arbitrary: hostileString, weight: 1 });
    case 'cursor':
      return cursorText;
    case 'search':
      return fc.oneof(
        hostileString,
        fc.constantFrom(
          '%',
          '_',
          '\\',
          '%%',
          '\\%',
          "'",
          '"',
          '\u0000',
          'member',
          'MEMBER',
          'fixture.example',
        ),
        fc.integer({ min: 195, max: 260 }).map((n) => 's'.repeat(n)),
      );
    default:
      return hostileString;
  }
};

function queryArb(route: RouteSpec): fc.Arbitrary<[string, string][]> {
  const known = route.query!;
  const pair = fc.oneof(
    {
      arbitrary: fc.constantFrom(...known).chain((k) => valueFor(k).map((v): [string, string] => [k, v])),
      weight: 6,
    },
    {
      arbitrary: fc.tuple(
        fc.oneof(hostileString, fc.constantFrom('__proto__', 'constructor', 'limit[]', 'cursor[a]')),
        hostileString,
      ),
      weight: 1,
    },
  );
  return fc.array(pair, { minLength: 1, maxLength: 4 });
}

const readers = fc.constantFrom<PrincipalName>(
  'instanceAdmin',
  'orgAdminSession',
  'orgViewerKey',
  'orgAdminKey',
);

describe.each(ENGINES)('random query strings (%s)', (engine) => {
  let f: Fixture;
  beforeAll(async () => {
    f = await createFixture(engine);
  });
  afterAll(() => f?.t.close());

  const name = (r: RouteSpec) => `${r.method} ${r.path}`;

  it.each(listRoutes.map((r) => [name(r), r] as const))(
    '%s answers any query string below 500 with a well-formed error and writes nothing',
    async (_name, route) => {
      await fc.assert(
        fc.asyncProperty(queryArb(route), readers, async (pairs, principal) => {
          const query = pairs.map(([k, v]) => `${encodeSegment(k)}=${encodeSegment(v)}`).join('&');
          await exchange(
            f,
            { method: 'GET', url: `${validUrl(route, f)}?${query}`, headers: { ...f.headers[principal] } },
            { readOnly: true },
          );
        }),
        { numRuns: runs(engine === 'sqlite' ? 60 : 40) },
      );
    },
  );

  it.each(listRoutes.map((r) => [name(r), r] as const))(
    '%s answers an unencoded or malformed query string below 500 with a well-formed error',
    async (_name, route) => {
      const raw = fc
        .array(
          fc.constantFrom(
            ...route.query!,
            '=',
            '&',
            '%',
            '%zz',
            '%00',
            '%C0%AF',
            '%ED%A0%80',
            '+',
            '[',
            ']',
            '[]',
            ';',
            '?',
            '#',
            '1',
            'a',
            'é',
          ),
          { minLength: 1, maxLength: 10 },
        )
        .map((parts) => parts.join(''));
      await fc.assert(
        fc.asyncProperty(raw, readers, async (query, principal) => {
          await exchange(
            f,
            { method: 'GET', url: `${validUrl(route, f)}?${query}`, headers: { ...f.headers[principal] } },
            { readOnly: true },
          );
        }),
        { numRuns: runs(engine === 'sqlite' ? 40 : 20) },
      );
    },
  );
});
