/** Builds organisations and signed-in people through the real API, for API tests. */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { TestApp } from './app.ts';

export const PASSWORD = 'correct horse battery staple';

export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export async function createOrganisation(t: TestApp, name = 'Acme'): Promise<{ id: string; slug: string }> {
  const slug = unique('org');
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/organisations',
    headers: t.admin,
    payload: { name, slug },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

export interface Person {
  id: string;
  email: string;
  /** Headers that carry this person's session cookie. */
  headers: { cookie: string };
  cookie: string;
}

/** Creates a user with a password in the organisation and signs them in. */
export async function createPerson(t: TestApp, orgId: string, role: string): Promise<Person> {
  const email = `${unique(role)}@example.test`;
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/v1/organisations/${orgId}/users`,
    headers: t.admin,
    payload: { email, firstName: 'Test', lastName: role, role, password: PASSWORD },
  });
  expect(res.statusCode, res.body).toBe(201);
  const cookie = await signIn(t, email);
  return { id: res.json().id, email, cookie, headers: { cookie } };
}

export async function signIn(t: TestApp, email: string, password = PASSWORD): Promise<string> {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
  expect(res.statusCode, res.body).toBe(200);
  const c = res.cookies.find((x) => x.name === t.config.SESSION_COOKIE_NAME);
  expect(c).toBeDefined();
  return `${c!.name}=${c!.value}`;
}
