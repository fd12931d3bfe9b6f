/** plausibleEmail (src/identity/email-address.ts): which email claims may become an account's address. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { plausibleEmail } from '../../src/identity/email-address.ts';

describe('plausibleEmail', () => {
  it.each([
    'alice@orga.test',
    'first.last+tag@sub.orga.test',
    "o'brien&co@orga.test",
    'user@tenant.onmicrosoft.com',
    'j\u00f6rg@m\u00fcller.test', // RFC 6531: UTF-8 local part and domain
    '\u212Aate@orga.test', // a look-alike is an address; the account key keeps it apart (store/ids.ts)
  ])('RFC 5322 §3.4.1 dot-atom addr-spec: accepts %s', (email) => {
    expect(plausibleEmail(email)).toBe(true);
  });

  it.each([
    ['no @', 'alice.orga.test'],
    ['two @', 'alice@orga@test'],
    ['empty local part', '@orga.test'],
    ['empty domain', 'alice@'],
    ['a space', 'alice smith@orga.test'],
    ['markup', '<img src=x onerror=alert(1)>@orga.test'],
    ['markup in the domain', 'alice@orga.test<script>'],
    ['a quoted local part', '"alice smith"@orga.test'],
    ['a control character', 'alice\u0000@orga.test'],
    ['a line break', 'alice@orga.test\r\nBcc: x@y.test'],
    ['a leading dot', '.alice@orga.test'],
    ['a doubled dot', 'alice..b@orga.test'],
    ['a trailing dot in the domain', 'alice@orga.test.'],
    ['a bracketed address literal', 'alice@[127.0.0.1]'],
    ['more than 254 characters', `${'a'.repeat(250)}@orga.test`],
  ])('RFC 5322 §3.4.1: refuses %s', (_why, email) => {
    expect(plausibleEmail(email)).toBe(false);
  });

  it('property: never throws, and a value with whitespace, "<" or ">" is never an address', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom(' ', '\t', '\n', '<', '>'), fc.string(), (a, bad, b) => {
        expect(plausibleEmail(`${a}${bad}${b}`)).toBe(false);
      }),
    );
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => typeof plausibleEmail(s) === 'boolean'));
  });
});
