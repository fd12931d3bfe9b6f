/**
 * Strings and JSON values that break naive code, for every property to draw from. Kept apart
 * from any route so that parser properties (parsers.test.ts, trusted-header.test.ts) use the
 * same hostile input as the HTTP ones without starting an app.
 */

import fc from 'fast-check';

/** Characters that trip up encoders, databases and normalisers, to build strings from. */
export const nastyChar: fc.Arbitrary<string> = fc.constantFrom(
  'a',
  'Z',
  '0',
  ' ',
  '\u0000',
  '\u0001',
  '\n',
  '\u007f',
  '\u0085',
  '\u00a0',
  '\u200b',
  '\u202e',
  '\ufeff',
  '\ud800',
  '\udfff',
  '\ud83d\udca5',
  'é',
  'e\u0301',
  'ß',
  'İ',
  'K',
  '%',
  '/',
  '\\',
  '.',
  '_',
  "'",
  '"',
  '@',
  '<',
);

/** Strings that break naive code: controls, NUL, lone surrogates, RTL, long, whitespace-only. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ unit: nastyChar, maxLength: 12 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }), weight: 2 },
  { arbitrary: fc.string({ maxLength: 40 }), weight: 2 },
  {
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '\t',
      '\u0000',
      'a\u0000b',
      '\ud800',
      'x\udfffy',
      '\u202e',
      '\ufeff',
      '..',
      '%00',
      '%',
      '__proto__',
      'constructor',
      "' OR 1=1 --",
      '"; DROP TABLE users; --',
      '\\',
      'null',
      '💥',
      'é',
      'e\u0301',
      'ADMIN',
      ' admin ',
      'proxy_admin',
    ),
    weight: 2,
  },
  { arbitrary: fc.string({ unit: 'binary', minLength: 200, maxLength: 600 }), weight: 1 },
  { arbitrary: fc.integer({ min: 1, max: 20_000 }).map((n) => 'a'.repeat(n)), weight: 1 },
);

/** Characters a database or an encoder may refuse: NUL, C0/C1 controls, lone surrogates, non-characters. */
export const poisonChar: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constant('\u0000'), weight: 3 },
  {
    arbitrary: fc.constantFrom(
      '\u0001',
      '\u001f',
      '\u007f',
      '\u0085',
      '\u2028',
      '\ud800',
      '\udfff',
      '\ufffe',
      '\uffff',
    ),
    weight: 3,
  },
);

/** Where poison goes so that the rest of a field's value still passes its schema. */
const POISON_SHAPES: Record<string, string[]> = {
  email: ['{}@example.com', 'u{}v@example.com'],
  domain: ['x{}.example.com'],
  password: ['long-enough-{}-password'],
  slug: ['{}'],
};

/**
 * Text for `field` with at least one poison character, inside an otherwise valid shape (an
 * email, a domain, a long password) so that it gets past the schema and reaches the database.
 */
export function poisonedText(field: string): fc.Arbitrary<string> {
  return fc
    .record({
      shape: fc.constantFrom(...(POISON_SHAPES[field] ?? ['{}', 'x{}y'])),
      before: fc.string({ unit: nastyChar, maxLength: 3 }),
      poison: poisonChar,
      after: fc.string({ unit: nastyChar, maxLength: 3 }),
    })
    .map(({ shape, before, poison, after }) => shape.replace('{}', `${before}${poison}${after}`));
}

const jsonLeaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  hostileString,
);

/** Any JSON value, leaning towards values a schema might half-accept. */
export const jsonArb: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 3 },
  { arbitrary: jsonLeaf, weight: 2 },
  { arbitrary: fc.array(jsonLeaf, { maxLength: 4 }), weight: 1 },
  {
    arbitrary: fc.dictionary(fc.oneof(hostileString, fc.constantFrom('__proto__', 'constructor')), jsonLeaf, {
      maxKeys: 4,
    }),
    weight: 1,
  },
  // Arbitrary JS objects and values, reduced to the JSON a client would actually send.
  {
    arbitrary: fc
      .oneof(fc.object({ maxDepth: 2 }), fc.anything({ maxDepth: 2 }))
      .map((v) => JSON.parse(JSON.stringify(v) ?? 'null') as unknown),
    weight: 1,
  },
);
