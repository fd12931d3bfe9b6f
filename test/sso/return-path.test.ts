import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { safeReturnUrl } from '../../src/sso/return-path.ts';

const BASE = 'https://sso.example.com';
const APP = 'https://app.example.com';
const FALLBACK = 'https://sso.example.com/';
const check = (candidate: string) => safeReturnUrl(candidate, BASE, [APP], FALLBACK);

describe('return paths after sign-in (attacks.md §4.1 open redirect)', () => {
  it.each([
    ['/dashboard?tab=1', 'https://sso.example.com/dashboard?tab=1'],
    ['https://app.example.com/home', 'https://app.example.com/home'],
    ['https://sso.example.com/x', 'https://sso.example.com/x'],
  ])('accepts %s', (candidate, expected) => {
    expect(check(candidate)).toBe(expected);
  });

  it.each([
    '//evil.test',
    '/\\evil.test',
    '\\\\evil.test',
    '/\t/evil.test',
    '/%2F%2Fevil.test',
    '/%5Cevil.test',
    'https:evil.test',
    'https://evil.test',
    'HTTPS://EVIL.TEST/',
    'https://sso.example.com@evil.test/',
    'https://app.example.com.evil.test/',
    'javascript:alert(1)',
    'data:text/html,x',
    '///evil.test',
    'http://sso.example.com/',
    ' https://app.example.com',
    '%',
    '',
  ])('falls back for %j', (candidate) => {
    expect(check(candidate)).toBe(FALLBACK);
  });

  // attacks.md §4.1, payload by payload (the Django bad-URL list and friends): each falls back.
  const SP = 'https://sso.example.com';
  const catalogue: Array<[string, string[]]> = [
    ['W-OR-1 absolute foreign URL', ['https://evil.test/']],
    ['W-OR-2 protocol-relative', ['//evil.test/']],
    ['W-OR-3 backslash', ['/\\evil.test/']],
    ['W-OR-4 Django backslash list', ['\\\\evil.test', '\\/evil.test', '/\\/evil.test', '\\\\//evil.test']],
    [
      'W-OR-5 scheme without slashes',
      ['https:evil.test', 'http:/\\/\\evil.test', 'http:\\/evil.test', 'http:///evil.test'],
    ],
    ['W-OR-6 triple slash', ['///evil.test', '////evil.test']],
    [
      'W-OR-7 percent-encoded slashes',
      ['/%2F%2Fevil.test', '%2F%2Fevil.test', '/%5Cevil.test', '%2f%5cevil.test'],
    ],
    ['W-OR-8 double encoding', ['/%252F%252Fevil.test']],
    [
      'W-OR-9 stripped characters',
      ['/\t/evil.test', '/\n/evil.test', '\x08//evil.test', '%09//evil.test', ' //evil.test'],
    ],
    ['W-OR-10 userinfo', [`${SP}@evil.test/`, `${SP}%40evil.test`, 'http://sso.example.com\\@evil.test']],
    [
      'W-OR-11 prefix and suffix hosts',
      [
        `${SP}.evil.test/`,
        'https://evil.test/sso.example.com',
        'https://evilsso.example.com',
        `${SP}:443@evil.test`,
      ],
    ],
    [
      'W-OR-12 parser differentials',
      [
        'https://evil.test#@sso.example.com',
        'https://evil.test?@sso.example.com',
        'https://evil.test\\.sso.example.com',
      ],
    ],
    [
      'W-OR-13 script schemes',
      [
        'javascript:alert(document.domain)',
        'JaVaScRiPt:alert(1)',
        'java\nscript:alert(1)',
        '\njavascript:alert(1)',
        'data:text/html,<script>alert(1)</script>',
      ],
    ],
    ['W-OR-14 malformed hosts', ['http://[2001:db8::1/', 'http://2001:db8::1]/', 'http:999999999']],
    ['W-OR-15 fullwidth host', ['https://ｅｖｉｌ.test']],
    ['W-OR-17 oversized', [`/${'a'.repeat(100 * 1024)}`]],
    [
      'W-OR-18 CRLF header injection',
      ['/%0d%0aSet-Cookie:%20sid=attacker', '/%0d%0aLocation:%20https://evil.test'],
    ],
  ];
  for (const [id, payloads] of catalogue) {
    it.each(payloads.map((p) => [p]))(`${id}: %j falls back`, (p) => {
      expect(check(p)).toBe(FALLBACK);
    });
  }

  it('W-OR-15: a fullwidth path stays on this origin', () => {
    expect(new URL(check('/〱evil.test')).origin).toBe(SP);
    expect(new URL(check('/%E3%80%B1evil.test')).origin).toBe(SP);
  });

  it.each([
    ['/dashboard?tab=1#x', `${SP}/dashboard?tab=1#x`],
    ['/view/?param=https://evil.test', `${SP}/view/?param=https://evil.test`],
    ['/url%20with%20spaces/', `${SP}/url%20with%20spaces/`],
  ])('W-OR-20 (positive control): %s is kept', (candidate, expected) => {
    expect(check(candidate)).toBe(expected);
  });

  it('never leaves the allowed origins for random input (fast-check)', () => {
    const allowed = new Set([new URL(BASE).origin, new URL(APP).origin]);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.webUrl(),
          fc.webPath().map((p) => `/${p}`),
          fc
            .tuple(fc.constantFrom('/', '//', '/\\', 'https:', 'https://', '%2F'), fc.domain())
            .map(([a, b]) => a + b),
        ),
        (candidate) => {
          const out = check(candidate);
          expect(allowed.has(new URL(out).origin)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
