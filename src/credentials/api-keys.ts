/**
 * API keys look like `dbk_<id>.<secret>`: the id finds the row, the secret is compared with
 * its stored SHA-256 in constant time. The `dbk_` prefix lets secret scanners spot leaks.
 */
import { randomBytes } from 'node:crypto';
import type { ApiKey } from '../store/repositories/api-keys.ts';
import type { Repositories } from '../store/store.ts';
import { digestsEqual, randomToken, sha256Hex } from './tokens.ts';

const KEY_PATTERN = /^dbk_([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/;

export interface IssuedApiKey {
  key: string;
  record: ApiKey;
}

export async function issueApiKey(
  repos: Pick<Repositories, 'apiKeys'>,
  input: { name: string; organisationId: string | null; role: string },
): Promise<IssuedApiKey> {
  const id = randomBytes(8).toString('hex');
  const secret = randomToken(32);
  const record = await repos.apiKeys.create({ ...input, id, secretHash: sha256Hex(secret) });
  return { key: `dbk_${id}.${secret}`, record };
}

/** The stored key a presented key matches (not revoked), or undefined. */
export async function verifyApiKey(
  repos: Pick<Repositories, 'apiKeys'>,
  presented: string,
): Promise<ApiKey | undefined> {
  const m = KEY_PATTERN.exec(presented);
  if (!m) return undefined;
  const stored = await repos.apiKeys.getForAuthentication(m[1]!);
  if (!stored || stored.revokedAt !== null) return undefined;
  if (!digestsEqual(stored.secretHash, sha256Hex(m[2]!))) return undefined;
  const { secretHash: _, ...key } = stored;
  return key;
}

/** Whether `presented` equals the configured DRAWBRIDGE_ADMIN_KEY, in constant time. */
export function matchesConfiguredAdminKey(presented: string, configured: string | undefined): boolean {
  return configured !== undefined && digestsEqual(presented, configured);
}
