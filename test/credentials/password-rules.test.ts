import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkPassword,
  commonPasswords,
  PASSWORD_MAX_LENGTH,
  PASSWORD_PROBLEM_CODES,
  passwordLength,
} from '../../src/credentials/password-rules.ts';

const ctx = { email: 'ada.lovelace@example.test', minLength: 12 };

describe('NIST SP 800-63B 3.1.1.2 length', () => {
  it('refuses 11 characters and accepts 12 with the default minimum', () => {
    expect(checkPassword('abcdefghijk', ctx)?.code).toBe('password_too_short');
    expect(checkPassword('abcdefghijkm', ctx)).toBeNull();
  });

  it('follows a configured minimum', () => {
    expect(checkPassword('zq8#vLm2', { ...ctx, minLength: 8 })).toBeNull();
    expect(checkPassword('zq8#vLm2xy', { ...ctx, minLength: 16 })?.code).toBe('password_too_short');
  });

  it('accepts 64 and 256 characters and refuses 257', () => {
    expect(checkPassword(`${'q'.repeat(63)}z`, ctx)).toBeNull();
    expect(checkPassword('kx'.repeat(128), ctx)).toBeNull();
    expect(checkPassword(`${'kx'.repeat(128)}k`, ctx)?.code).toBe('password_too_long');
  });

  it('counts Unicode code points, not UTF-16 units (12 emoji are 12 characters)', () => {
    expect(passwordLength('🔑'.repeat(12))).toBe(12);
    expect(checkPassword('🔑'.repeat(11), ctx)?.code).toBe('password_too_short');
    expect(checkPassword('🔑'.repeat(12), ctx)).toBeNull();
  });
});

describe('NIST SP 800-63B 3.1.1.2 no composition rules', () => {
  it('accepts a long passphrase of lowercase words and spaces', () => {
    expect(checkPassword('purple elephants dance quietly', ctx)).toBeNull();
  });

  it('accepts any 12+ characters that are neither common nor the email, whatever their classes', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 12, maxLength: 80, unit: 'grapheme' }), (p) => {
        fc.pre(!commonPasswords().has(p.normalize('NFKC').trim().toLowerCase()));
        fc.pre(passwordLength(p) <= PASSWORD_MAX_LENGTH);
        const problem = checkPassword(p, { email: 'someone@example.test', minLength: 12 });
        return problem === null || problem.code === 'password_matches_email';
      }),
    );
  });
});

describe('NIST SP 800-63B 3.1.1.2 blocklist', () => {
  it('ships a list of common passwords with its source and licence in the header', () => {
    expect(commonPasswords().size).toBeGreaterThan(10_000);
    expect(commonPasswords().has('password')).toBe(true);
  });

  it.each(['1qaz2wsx3edc', 'qwerty123456', '123456789abc', 'QWERTY123456', ' leavemealone '])(
    'refuses the common password %j (case and surrounding spaces ignored)',
    (p) => {
      expect(checkPassword(p, ctx)?.code).toBe('password_too_common');
    },
  );

  it('refuses every listed password of allowed length', () => {
    const long = [...commonPasswords()].filter((p) => passwordLength(p) >= 12);
    expect(long.length).toBeGreaterThan(100);
    fc.assert(
      fc.property(fc.constantFrom(...long), (p) => checkPassword(p, ctx)?.code === 'password_too_common'),
    );
  });

  it('refuses the email address and its local part, in any case', () => {
    expect(checkPassword('ada.lovelace@example.test', ctx)?.code).toBe('password_matches_email');
    expect(checkPassword('ADA.LOVELACE', ctx)?.code).toBe('password_matches_email');
    expect(checkPassword('ada.lovelace!', ctx)).toBeNull();
  });
});

describe('the password rules as a whole', () => {
  it('answer null or one code of the closed set for any text, and never throw', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 300 }),
        fc.emailAddress(),
        fc.integer({ min: 8, max: 64 }),
        (p, email, min) => {
          const problem = checkPassword(p, { email, minLength: min });
          return problem === null || (PASSWORD_PROBLEM_CODES as readonly string[]).includes(problem.code);
        },
      ),
    );
  });

  it('refuse everything shorter than the minimum, whatever it is', () => {
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 64 }), fc.string({ maxLength: 100 }), (min, p) => {
        fc.pre(passwordLength(p) < min);
        return checkPassword(p, { email: 'x@y.test', minLength: min })?.code === 'password_too_short';
      }),
    );
  });
});
