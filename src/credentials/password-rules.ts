/**
 * The password rules, per NIST SP 800-63B §3.1.1.2 (memorized secrets):
 * - at least `minLength` characters (12 by default, PASSWORD_MIN_LENGTH), at most 256 (NIST: allow
 *   at least 64); length counts Unicode code points after NFKC normalisation (§3.1.1.2 asks that
 *   each code point count as one character);
 * - no composition rules (no "one digit, one symbol"): any printable text, spaces included;
 * - refused when found in a list of commonly used passwords (the bundled list, compared
 *   case-insensitively) or when equal to a context-specific word: the account's email address
 *   or its local part.
 * `checkPassword` returns the first broken rule as a code from the closed set, or null.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const PASSWORD_MAX_LENGTH = 256;
/** The lowest minimum an operator may configure (NIST's floor for user-chosen secrets). */
export const PASSWORD_MIN_LENGTH_FLOOR = 8;

export const PASSWORD_PROBLEM_CODES = [
  'password_too_short',
  'password_too_long',
  'password_too_common',
  'password_matches_email',
] as const;
export type PasswordProblemCode = (typeof PASSWORD_PROBLEM_CODES)[number];

export interface PasswordProblem {
  code: PasswordProblemCode;
  message: string;
}

export interface PasswordContext {
  /** The account's email address (its whole value and its local part are refused). */
  email: string;
  minLength: number;
}

let common: Set<string> | undefined;

/** The bundled list (src/credentials/common-passwords.txt), loaded on first use. */
export function commonPasswords(): ReadonlySet<string> {
  common ??= new Set(
    readFileSync(join(import.meta.dirname, 'common-passwords.txt'), 'utf8')
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#')),
  );
  return common;
}

function fold(value: string): string {
  return value.normalize('NFKC').trim().toLowerCase();
}

export function passwordLength(password: string): number {
  return [...password.normalize('NFKC')].length;
}

export function checkPassword(password: string, context: PasswordContext): PasswordProblem | null {
  const length = passwordLength(password);
  if (length < context.minLength) {
    return {
      code: 'password_too_short',
      message: `The password needs at least ${context.minLength} characters`,
    };
  }
  if (length > PASSWORD_MAX_LENGTH) {
    return {
      code: 'password_too_long',
      message: `The password may have at most ${PASSWORD_MAX_LENGTH} characters`,
    };
  }
  const folded = fold(password);
  const email = fold(context.email);
  const at = email.lastIndexOf('@');
  const localPart = at > 0 ? email.slice(0, at) : email;
  if (folded === email || folded === localPart) {
    return {
      code: 'password_matches_email',
      message: 'The password must not be the email address or its name part',
    };
  }
  if (commonPasswords().has(folded)) {
    return { code: 'password_too_common', message: 'This password is on a list of commonly used passwords' };
  }
  return null;
}
