/**
 * Drawbridge's side of the core benchmark: an organisation and an admin created through the admin
 * API of a running server, signed in with a password, and the bodies the measured routes answer.
 */
import { randomBytes } from 'node:crypto';
import { adminPost } from '../lib/admin-api.ts';
import type { ServerProcess } from '../lib/server-process.ts';

const PASSWORD = 'bench-password-0123456789';

async function call(
  server: ServerProcess,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  return { res, text: await res.text() };
}

async function expectStatus(what: string, p: ReturnType<typeof call>, status: number) {
  const r = await p;
  if (r.res.status !== status) throw new Error(`${what}: expected ${status}, got ${r.res.status}: ${r.text}`);
  return r;
}

/** An organisation, an admin with a password, and that admin's session cookie. */
export async function signedInAdmin(
  server: ServerProcess,
): Promise<{ cookie: string; meBody: string; bareBody: string }> {
  const slug = `bench-${randomBytes(4).toString('hex')}`;
  const org = await adminPost(server.url, '/api/v1/organisations', { name: 'Bench Org', slug });
  const orgId = (org as { id: string }).id;
  const email = `${slug}-admin@example.test`;
  const user = { email, firstName: 'Bench', lastName: 'Admin', role: 'admin', password: PASSWORD };
  await adminPost(server.url, `/api/v1/organisations/${orgId}/users`, user);
  const login = await expectStatus(
    'login',
    call(server, 'POST', '/api/v1/auth/login', { email, password: PASSWORD }),
    200,
  );
  const setCookie = login.res.headers.getSetCookie().find((c) => c.startsWith('drawbridge_session='));
  if (!setCookie) throw new Error('login: no drawbridge_session cookie');
  const cookie = setCookie.split(';')[0]!;
  const me = await expectStatus(
    'GET /api/v1/auth/me',
    call(server, 'GET', '/api/v1/auth/me', undefined, { cookie }),
    200,
  );
  const parsed = JSON.parse(me.text) as {
    email: string;
    organisation: { id: string } | null;
    role: string | null;
  };
  if (parsed.email !== email || parsed.organisation?.id !== orgId || parsed.role !== 'admin') {
    throw new Error(`GET /api/v1/auth/me: unexpected body ${me.text}`);
  }
  const bare = await expectStatus('GET /healthz', call(server, 'GET', '/healthz'), 200);
  return { cookie, meBody: me.text, bareBody: bare.text };
}
