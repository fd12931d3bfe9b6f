/** Random tokens and their stored digests (API keys and session ids are high-entropy, so SHA-256 suffices). */
import { createHash, hash, randomBytes, timingSafeEqual } from 'node:crypto';

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function sha256Hex(value: string): string {
  // The one-shot form: no Hash object per call (session checks run this on every request).
  return hash('sha256', value, 'hex');
}

/** Constant-time comparison of two digests (or any strings) regardless of their lengths. */
export function digestsEqual(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y) && a.length === b.length;
}
