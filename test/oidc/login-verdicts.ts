/**
 * The two verdicts of attacks.md §0.3 for an OIDC login played through a test world
 * (test/interop/oidc/world.ts), shared by the attack-coverage files.
 */
import { expect } from 'vitest';
import type { LoginResult, World } from '../interop/oidc/world.ts';

/** The emails of the world's organisation's users. */
export async function users(w: World): Promise<string[]> {
  const res = await w.t.app.inject({
    method: 'GET',
    url: `/api/v1/organisations/${w.orgId}/users`,
    headers: w.t.admin,
  });
  expect(res.statusCode).toBe(200);
  return (JSON.parse(res.body) as { items: Array<{ email: string }> }).items.map((u) => u.email);
}

/** REJECT: the code, a 4xx, no session cookie, no user created. */
export async function refused(w: World, result: LoginResult, code: string): Promise<void> {
  expect(result.code, result.body).toBe(code);
  expect(result.status).toBeGreaterThanOrEqual(400);
  expect(result.status).toBeLessThan(500);
  expect(result.sessionCookie).toBeUndefined();
  expect(await users(w)).toEqual([]);
}

/** ACCEPT: a 303 with a session that /auth/me reads as the person. */
export async function accepted(w: World, result: LoginResult, email = 'alice@acme.test'): Promise<void> {
  expect(result.status, result.body).toBe(303);
  expect(result.sessionCookie).toBeDefined();
  expect(await w.me(result.sessionCookie!)).toMatchObject({ email });
}
