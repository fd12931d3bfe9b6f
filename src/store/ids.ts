/** Identifiers and the normalised forms that uniqueness is decided on. */
import { randomUUID } from 'node:crypto';

export function newId(): string {
  return randomUUID();
}

/**
 * A code point that NFC replaces on its own (a singleton such as U+212A KELVIN SIGN → "K", U+212B
 * ANGSTROM SIGN → "Å", U+2126 OHM SIGN → "Ω"): another character that looks the same, not another
 * way of writing the same one.
 */
function nfcReplaces(ch: string): boolean {
  return ch.normalize('NFC') !== ch;
}

/** Lower case, then NFC: one spelling for the same text typed two ways ("é" or "e" + U+0301). */
function caseAndCompose(text: string): string {
  return text.toLowerCase().normalize('NFC');
}

/**
 * The key an email is unique on: case-insensitive (Flagsmith's rule) and NFC, so the same
 * address typed with composed or decomposed accents agrees. In the local part a character NFC
 * would replace on its own is kept as given (attacks.md S-TXT-7): "\u212Aate@orga.test" (Kelvin
 * sign) must not reach kate@orga.test's account. The domain is folded whole, as IDNA folds it
 * (a Kelvin sign in a domain is the same domain).
 */
export function normaliseEmail(email: string): string {
  const trimmed = email.trim();
  const at = trimmed.lastIndexOf('@');
  const local = at < 0 ? trimmed : trimmed.slice(0, at);
  const domain = at < 0 ? '' : caseAndCompose(trimmed.slice(at));
  // Only a non-ASCII character can be one NFC replaces: a printable-ASCII address (the usual
  // one) skips the walk; anything else, controls included, takes it.
  if (!/[^\u0020-\u007e]/.test(local)) return local.toLowerCase() + domain;
  let key = '';
  let run = '';
  for (const ch of local) {
    if (!nfcReplaces(ch)) {
      run += ch;
      continue;
    }
    key += caseAndCompose(run) + ch;
    run = '';
  }
  return key + caseAndCompose(run) + domain;
}

export function normaliseDomain(domain: string): string {
  // Trailing dots and spaces both go, in one pass, so normalising twice changes nothing.
  return caseAndCompose(domain)
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
