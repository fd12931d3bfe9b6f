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
