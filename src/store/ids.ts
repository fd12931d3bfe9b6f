/** Identifiers and the normalised forms that uniqueness is decided on. */
import { randomUUID } from 'node:crypto';

export function newId(): string {
  return randomUUID();
}

/** Emails are unique case-insensitively (Flagsmith's rule); NFC first so look-alike encodings agree. */
export function normaliseEmail(email: string): string {
  return email.toLowerCase().normalize('NFC').trim();
}

export function normaliseDomain(domain: string): string {
  // Trailing dots and spaces both go, in one pass, so normalising twice changes nothing.
  return domain
    .toLowerCase()
    .normalize('NFC')
    .trim()
    .replace(/[\s.]+$/u, '');
}

/** Opaque keyset cursor: base64url of the last sort key seen. */
export function encodeCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

/** The decoded cursor, or undefined when it is absent or not one we could have issued. */
export function decodeCursor(cursor: string | undefined): string | undefined {
  if (!cursor) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  // NUL and invalid UTF-8 (U+FFFD) never occur in keys we encode; PostgreSQL refuses NUL.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching NUL is the point
  return /[\u0000\ufffd]/.test(text) ? undefined : text;
}
