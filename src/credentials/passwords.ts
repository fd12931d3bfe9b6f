/** Password hashing with argon2id (OWASP's first choice); parameters live in the hash string. */
// The native argon2 module loads on the first password operation, not at start.
const argon2 = () => import('@node-rs/argon2');

// OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1.
const PARAMS = { memoryCost: 19_456, timeCost: 2, parallelism: 1, algorithm: 2 } as const;

export async function hashPassword(password: string): Promise<string> {
  return (await argon2()).hash(password, PARAMS);
}

let dummyHash: Promise<string> | undefined;

/**
 * Verifies `password` against `stored`. With no stored hash (unknown user, SSO-only user)
 * a dummy hash is verified anyway, so a response takes as long whether or not the email exists.
 */
export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  if (stored === null) {
    dummyHash ??= hashPassword('drawbridge-dummy-password');
    await (await argon2()).verify(await dummyHash, password);
    return false;
  }
  try {
    return await (await argon2()).verify(stored, password);
  } catch {
    return false;
  }
}
