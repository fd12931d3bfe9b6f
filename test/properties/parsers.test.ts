/**
 * The parsers under the routes, without HTTP: request schemas, the normalisers uniqueness is
 * decided on, list cursors, role names, secret comparison and the configuration loader.
 * None may throw on any input; each normaliser must be stable when applied twice.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.ts';
import { DEFAULT_ROLES, options } from '../../src/config/schema.ts';
import { digestsEqual } from '../../src/credentials/tokens.ts';
import * as schemas from '../../src/http/schemas.ts';
import { normaliseRole } from '../../src/identity/roles.ts';
import { decodeCursor, encodeCursor, normaliseDomain, normaliseEmail } from '../../src/store/ids.ts';
import { hostileString, nastyChar } from './hostile-values.ts';
import { runs } from './property-runs.ts';

const anyValue = fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
  maxDepth: 3,
});

const text = fc.oneof(
  hostileString,
  fc.string({ unit: nastyChar, maxLength: 20 }),
  fc.string({ unit: 'binary' }),
);

const requestSchemas = {
  id: schemas.id,
  orgParams: schemas.orgParams,
  pageQuery: schemas.pageQuery,
  slug: schemas.slug,
  displayText: schemas.displayText(200),
  optionalName: schemas.optionalName,
  email: schemas.email,
  domainName: schemas.domainName,
  attributes: schemas.attributes,
};

describe('request schemas', () => {
  it.each(Object.entries(requestSchemas))(
    '%s refuses or accepts any value without throwing',
    (_name, schema) => {
      fc.assert(
        fc.property(fc.oneof(anyValue, text), (value) => {
          schema.safeParse(value);
        }),
        { numRuns: runs(300) },
      );
    },
  );

  it('a slug it accepts is stored as given: lowercase, 1-64 characters', () => {
    fc.assert(
      fc.property(fc.oneof(text, fc.stringMatching(/^[a-z0-9-]{0,70}$/)), (value) => {
        const r = schemas.slug.safeParse(value);
        if (r.success) {
          expect(r.data).toBe(value);
          expect(r.data).toMatch(/^[a-z0-9-]{1,64}$/);
        }
      }),
      { numRuns: runs(300) },
    );
  });

  it('a domain it accepts is already normalised (the repository would store it unchanged)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          text,
          fc.domain(),
          fc.domain().map((d) => ` ${d.toUpperCase()} `),
        ),
        (value) => {
          const r = schemas.domainName.safeParse(value);
          if (r.success) {
            expect(normaliseDomain(r.data)).toBe(r.data);
            expect(schemas.domainName.parse(r.data)).toBe(r.data);
          }
        },
      ),
      { numRuns: runs(300) },
    );
  });

  it('display text it accepts is trimmed, non-empty and free of control characters', () => {
    const display = schemas.displayText(200);
    fc.assert(
      fc.property(text, (value) => {
        const r = display.safeParse(value);
        if (r.success) {
          expect(r.data).toBe(r.data.trim());
          expect(r.data.length).toBeGreaterThan(0);
          expect([...r.data].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)).toBe(false);
        }
      }),
      { numRuns: runs(300) },
    );
  });

  it('attributes it accepts survive the JSON round trip they are stored through', () => {
    fc.assert(
      fc.property(fc.oneof(fc.dictionary(text, fc.jsonValue()), anyValue), (value) => {
        const r = schemas.attributes.safeParse(value);
        if (r.success) {
          const stored = JSON.stringify(r.data);
          expect(stored.length).toBeLessThanOrEqual(16_384);
          expect(JSON.stringify(JSON.parse(stored))).toBe(stored);
        }
      }),
      { numRuns: runs(300) },
    );
  });
});

describe('normalisers', () => {
  it('normaliseEmail never throws and is stable when applied twice', () => {
    fc.assert(
      fc.property(fc.oneof(text, fc.emailAddress()), (value) => {
        const once = normaliseEmail(value);
        expect(normaliseEmail(once)).toBe(once);
      }),
      { numRuns: runs(500) },
    );
  });

  it('normaliseDomain never throws and is stable when applied twice', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          text,
          fc.domain(),
          fc.domain().map((d) => `${d}..`),
        ),
        (value) => {
          const once = normaliseDomain(value);
          expect(normaliseDomain(once)).toBe(once);
        },
      ),
      { numRuns: runs(500) },
    );
  });

  it('normaliseRole answers a configured role or nothing, and a role it answers maps to itself', () => {
    const roles = [...DEFAULT_ROLES];
    fc.assert(
      fc.property(
        fc.oneof(text, fc.constantFrom(...roles, 'proxy_admin', ' Internal_User ', 'ADMIN', 'admin\u0000')),
        (value) => {
          const role = normaliseRole(value, roles);
          if (role !== undefined) {
            expect(roles).toContain(role);
            expect(normaliseRole(role, roles)).toBe(role);
          }
        },
      ),
      { numRuns: runs(500) },
    );
  });
});

describe('cursors', () => {
  it('decodeCursor takes any string without throwing', () => {
    fc.assert(
      fc.property(text, (value) => {
        decodeCursor(value);
      }),
      { numRuns: runs(500) },
    );
  });

  it('a cursor decodes to the sort key it was made from, and refuses keys with NUL or invalid UTF-8', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 100 }), (key) => {
        const cursor = encodeCursor(key);
        expect(cursor).toMatch(/^[A-Za-z0-9_-]*$/);
        const roundTrip = Buffer.from(key, 'utf8').toString('utf8');
        const refused = roundTrip.includes('\u0000') || roundTrip.includes('\ufffd');
        expect(decodeCursor(cursor) ?? '').toBe(refused ? '' : key);
      }),
      { numRuns: runs(500) },
    );
  });
});

describe('secret comparison', () => {
  it('digestsEqual takes strings of any lengths and is true exactly for equal strings', () => {
    fc.assert(
      fc.property(text, text, fc.boolean(), (a, b, same) => {
        expect(digestsEqual(a, same ? a : b)).toBe(same || a === b);
      }),
      { numRuns: runs(500) },
    );
  });
});

describe('configuration loader', () => {
  const names = Object.keys(options);
  const envValue = fc.oneof(
    text,
    fc.integer().map(String),
    fc.constantFrom(
      'true',
      'false',
      'yes',
      '0',
      '',
      ' ',
      'http://x',
      'https://sso.example.com/',
      'postgres://h/db',
      'a,b',
    ),
  );

  it('returns a configuration or throws ConfigError for any environment, never another error', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...names, 'PROXY_BASE_URL', 'UNRELATED'), envValue),
        (env) => {
          try {
            const config = loadConfig(env);
            expect(typeof config.BASE_URL).toBe('string');
          } catch (err) {
            if (!(err instanceof ConfigError)) throw err;
            expect(err.problems.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: runs(300) },
    );
  });
});
