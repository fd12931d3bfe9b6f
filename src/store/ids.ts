/** Identifiers and the normalised forms that uniqueness is decided on. */
import { randomUUID } from 'node:crypto';

export function newId(): string {
  return randomUUID();
}

/** Emails are unique case-insensitively (Flagsmith's rule); NFC first so look-alike encodings agree. */
export function normaliseEmail(email: string): string {
  return email.normalize('NFC').trim().toLowerCase();
}

export function normaliseDomain(domain: string): string {
  return domain.normalize('NFC').trim().toLowerCase().replace(/\.$/, '');
}

/** Opaque keyset cursor: base64url of the last sort key seen. */
export function encodeCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (!cursor) return undefined;
  return Buffer.from(cursor, 'base64url').toString('utf8');
}
