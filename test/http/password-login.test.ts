/**
 * Password sign-in policies over HTTP, on both engines: progressive delays per account and per
 * client address (the clock is frozen, never slept on), SSO enforcement per verified domain,
 * allowed login methods per organisation, and login CSRF. The break-glass login and the delays
 * shared by several instances are in password-login-instances.test.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { accountKey, addressKey } from '../../src/credentials/login-throttle.ts';
import { createOrganisation, createPerson, PASSWORD, unique } from '../support/actors.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { ENGINES } from '../support/databases.ts';

const LOGIN = '/api/v1/auth/login';
const T = 2_000_000_000_000;

/** Freezes Date.now() at `time` (timers stay real, so the database drivers work). */
function freezeClock(time: number): { set(t: number): void } {
  const spy = vi.spyOn(Date, 'now').mockReturnValue(time);
  return { set: (t) => spy.mockReturnValue(t) };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe.each(ENGINES)('password sign-in policies (%s)', (engine) => {
  let t: TestApp;
  let org: { id: string };
  beforeAll(async () => {
    t = await startTestApp(engine);
    org = await createOrganisation(t);
  });
  afterAll(() => t.close());

  const login = (email: string, password: string, remoteAddress = '192.0.2.1', headers = {}) =>
    t.app.inject({ method: 'POST', url: LOGIN, payload: { email, password }, remoteAddress, headers });

  describe('NIST SP 800-63B 5.2.2 rate limiting per account', () => {
    it('refuses the attempt after 5 failures with 429 rate_limited and Retry-After, even with the right password', async () => {
      const person = await createPerson(t, org.id, 'member');
      const clock = freezeClock(T);
      const ip = '192.0.2.10';
      for (let i = 0; i < 5; i += 1)
        expect((await login(person.email, 'wrong password!', ip)).statusCode).toBe(401);
      const refused = await login(person.email, PASSWORD, ip);
      expect(refused.statusCode).toBe(429);
      expect(refused.headers['retry-after']).toBe('1');
      expect(refused.json().error).toEqual({
        code: 'rate_limited',
        message: expect.any(String),
        details: { retryAfterSeconds: 1 },
      });
      // The wait is over one second later; the right password then signs in and clears the counter.
      clock.set(T + 1000);
      expect((await login(person.email, PASSWORD, ip)).statusCode).toBe(200);
      expect(await t.store.loginThrottles.get([accountKey(person.email)])).toEqual([]);
    });

    it('doubles the wait with every further failure, and a refused attempt does not count', async () => {
      const person = await createPerson(t, org.id, 'member');
      const clock = freezeClock(T);
      const ip = '192.0.2.11';
      for (let i = 0; i < 5; i += 1) await login(person.email, 'wrong password!', ip);
      expect((await login(person.email, 'wrong password!', ip)).statusCode).toBe(429);
      expect((await t.store.loginThrottles.get([accountKey(person.email)]))[0]?.failures).toBe(5);
      clock.set(T + 1000);
      expect((await login(person.email, 'wrong password!', ip)).statusCode).toBe(401); // 6th failure
      const next = await login(person.email, PASSWORD, ip);
      expect(next.statusCode).toBe(429);
      expect(next.headers['retry-after']).toBe('2');
    });

    it('treats an unknown email exactly like a known one: same answers, same counting', async () => {
      const person = await createPerson(t, org.id, 'member');
      const nobody = `${unique('nobody')}@example.test`;
      freezeClock(T);
      const answers = async (email: string, ip: string) => {
        const out: unknown[] = [];
        for (let i = 0; i < 6; i += 1) {
          const res = await login(email, 'wrong password!', ip);
          out.push([res.statusCode, res.headers['retry-after'], res.json()]);
        }
        return out;
      };
      expect(await answers(nobody, '192.0.2.12')).toEqual(await answers(person.email, '192.0.2.13'));
    });

    it('counts failures in the database under the normalised email and the client address', async () => {
      const person = await createPerson(t, org.id, 'member');
      freezeClock(T);
      await login(person.email.toUpperCase(), 'wrong password!', '192.0.2.14');
      await login(` ${person.email} `, 'wrong password!', '192.0.2.14');
      const states = await t.store.loginThrottles.get([accountKey(person.email), addressKey('192.0.2.14')]);
      expect(states.map((s) => [s.key, s.failures]).sort()).toEqual(
        [
          [accountKey(person.email), 2],
          [addressKey('192.0.2.14'), 2],
        ].sort(),
      );
    });

    it('records a login trace for a rate-limited attempt', async () => {
      const person = await createPerson(t, org.id, 'member');
      freezeClock(T);
      for (let i = 0; i < 6; i += 1) await login(person.email, 'wrong password!', '192.0.2.15');
      const traces = await t.store.loginTraces.list(org.id, { limit: 50 });
      const mine = traces.items.filter((x) => x.email === person.email && x.outcome === 'failure');
      expect(mine.map((x) => x.code).sort()).toEqual([
        ...Array(5).fill('invalid_credentials'),
        'rate_limited',
      ]);
      expect(mine.every((x) => x.ip === '192.0.2.15')).toBe(true);
    });
  });

  describe('NIST SP 800-63B 5.2.2 rate limiting per client address', () => {
    it('refuses any email from an address after 50 failures from it, and other addresses are not affected', async () => {
      const person = await createPerson(t, org.id, 'member');
      freezeClock(T);
      const ip = '198.51.100.20';
      for (let i = 0; i < 50; i += 1) await t.store.loginThrottles.recordFailure(addressKey(ip), T, 0);
      const refused = await login(person.email, PASSWORD, ip);
      expect(refused.statusCode).toBe(429);
      expect(refused.json().error.code).toBe('rate_limited');
      expect((await login(person.email, PASSWORD, '198.51.100.21')).statusCode).toBe(200);
    });

    it('does not reset the address counter on a successful sign-in (one good account cannot unlock an address)', async () => {
      const person = await createPerson(t, org.id, 'member');
      freezeClock(T);
      const ip = '198.51.100.22';
      await login(`${unique('x')}@example.test`, 'wrong password!', ip);
      expect((await login(person.email, PASSWORD, ip)).statusCode).toBe(200);
      expect((await t.store.loginThrottles.get([addressKey(ip)]))[0]?.failures).toBe(1);
    });
  });

  describe('SSO enforced per verified email domain', () => {
    it('answers sso_required with the organisation SSO login URL, before any password is checked', async () => {
      const acme = await createOrganisation(t, 'Enforced');
      const domain = `${unique('enforced')}.test`;
      const person = await t.app.inject({
        method: 'POST',
        url: `/api/v1/organisations/${acme.id}/users`,
        headers: t.admin,
        payload: { email: `ada@${domain}`, password: PASSWORD },
      });
      expect(person.statusCode).toBe(201);
      const saml = unique('acme-okta');
      await t.app.inject({
        method: 'POST',
        url: `/api/v1/organisations/${acme.id}/saml-configurations`,
        headers: t.admin,
        payload: { name: saml },
      });
      await t.app.inject({
        method: 'POST',
        url: `/api/v1/organisations/${acme.id}/domains`,
        headers: t.admin,
        payload: { domain, verified: true, enforceSso: true },
      });
      for (const password of [PASSWORD, 'wrong password!']) {
        const res = await login(`ADA@${domain.toUpperCase()}`, password, '192.0.2.30');
        expect(res.statusCode).toBe(403);
        expect(res.json().error).toEqual({
          code: 'sso_required',
          message: expect.any(String),
          details: { location: `/api/v1/auth/saml/${saml}/login/` },
        });
      }
      // An unknown address of the domain gets the same answer: nothing is revealed.
      const unknown = await login(`${unique('nobody')}@${domain}`, PASSWORD, '192.0.2.30');
      expect(unknown.json().error.code).toBe('sso_required');
      const traces = await t.store.loginTraces.list(acme.id, { limit: 1 });
      expect(traces.items[0]).toMatchObject({ code: 'sso_required', outcome: 'failure' });
    });

    it("sends people to the login policy's default SSO configuration when one is set", async () => {
      const acme = await createOrganisation(t, 'Default SSO');
      const domain = `${unique('default')}.test`;
      const names = [unique('first'), unique('second')];
      for (const name of names) {
        await t.app.inject({
          method: 'POST',
          url: `/api/v1/organisations/${acme.id}/saml-configurations`,
          headers: t.admin,
          payload: { name },
        });
      }
      await t.app.inject({
        method: 'POST',
        url: `/api/v1/organisations/${acme.id}/domains`,
        headers: t.admin,
        payload: { domain, verified: true, enforceSso: true },
      });
      // Two configurations and no default: sso_required without a place to go.
      expect((await login(`x@${domain}`, PASSWORD)).json().error.details).toEqual({ location: null });
      const patch = await t.app.inject({
        method: 'PATCH',
        url: `/api/v1/organisations/${acme.id}/login-policy`,
        headers: t.admin,
        payload: { defaultSso: { protocol: 'saml', name: names[1] } },
      });
      expect(patch.statusCode).toBe(200);
      expect((await login(`x@${domain}`, PASSWORD)).json().error.details).toEqual({
        location: `/api/v1/auth/saml/${names[1]}/login/`,
      });
    });

    it('does not enforce SSO for a domain that is claimed but not verified', async () => {
      const acme = await createOrganisation(t, 'Unverified');
      const domain = `${unique('unverified')}.test`;
      await t.app.inject({
        method: 'POST',
        url: `/api/v1/organisations/${acme.id}/users`,
        headers: t.admin,
        payload: { email: `grace@${domain}`, password: PASSWORD },
      });
      await t.app.inject({
        method: 'POST',
        url: `/api/v1/organisations/${acme.id}/domains`,
        headers: t.admin,
        payload: { domain, enforceSso: true },
      });
      expect((await login(`grace@${domain}`, PASSWORD, '192.0.2.31')).statusCode).toBe(200);
    });
  });

  describe('allowed login methods per organisation', () => {
    it('refuses password sign-in with login_method_not_allowed when an organisation of the person allows only SSO', async () => {
      const strict = await createOrganisation(t, 'SSO only');
      const person = await createPerson(t, strict.id, 'member');
      const saml = unique('strict-idp');
      await t.app.inject({
        method: 'POST',
        url: `/api/v1/organisations/${strict.id}/saml-configurations`,
        headers: t.admin,
        payload: { name: saml },
      });
      const patch = await t.app.inject({
        method: 'PATCH',
        url: `/api/v1/organisations/${strict.id}/login-policy`,
        headers: t.admin,
        payload: { allowedLoginMethods: ['saml', 'oidc'] },
      });
      expect(patch.json()).toEqual({ allowedLoginMethods: ['saml', 'oidc'], defaultSso: null });
      const res = await login(person.email, PASSWORD, '192.0.2.40');
      expect(res.statusCode).toBe(403);
      expect(res.json().error).toEqual({
        code: 'login_method_not_allowed',
        message: expect.any(String),
        details: { location: `/api/v1/auth/saml/${saml}/login/` },
      });
      // A wrong password still answers invalid_credentials: the policy is not revealed before the password.
      expect((await login(person.email, 'wrong password!', '192.0.2.40')).json().error.code).toBe(
        'invalid_credentials',
      );
    });

    it('refuses a defaultSso that is not a configuration of the organisation (404) and keeps the old policy', async () => {
      const mine = await createOrganisation(t, 'Mine');
      const theirs = await createOrganisation(t, 'Theirs');
      const foreign = unique('foreign-idp');
      await t.app.inject({
        method: 'POST',
        url: `/api/v1/organisations/${theirs.id}/saml-configurations`,
        headers: t.admin,
        payload: { name: foreign },
      });
      for (const defaultSso of [
        { protocol: 'saml', name: foreign },
        { protocol: 'saml', name: unique('missing') },
        { protocol: 'oidc', name: unique('missing') },
      ]) {
        const res = await t.app.inject({
          method: 'PATCH',
          url: `/api/v1/organisations/${mine.id}/login-policy`,
          headers: t.admin,
          payload: { defaultSso },
        });
        expect(res.statusCode, JSON.stringify(defaultSso)).toBe(404);
        expect(res.json().error.code).toBe('not_found');
      }
      expect(await t.store.loginPolicies.get(mine.id)).toBeUndefined();
    });

    it('refuses a policy that allows no method, or an unknown one (400), and keeps the old one', async () => {
      for (const allowedLoginMethods of [[], ['password', 'carrier-pigeon'], ['saml', 'saml']]) {
        const res = await t.app.inject({
          method: 'PATCH',
          url: `/api/v1/organisations/${org.id}/login-policy`,
          headers: t.admin,
          payload: { allowedLoginMethods },
        });
        expect(res.statusCode).toBe(400);
        expect(res.json().error.code).toBe('invalid_request');
      }
      const get = await t.app.inject({
        method: 'GET',
        url: `/api/v1/organisations/${org.id}/login-policy`,
        headers: t.admin,
      });
      expect(get.json()).toEqual({ allowedLoginMethods: ['password', 'saml', 'oidc'], defaultSso: null });
    });
  });

  describe('login CSRF', () => {
    it('refuses a sign-in posted from another origin (403 csrf_origin_mismatch) and accepts our own', async () => {
      const person = await createPerson(t, org.id, 'member');
      const evil = await login(person.email, PASSWORD, '192.0.2.50', { origin: 'https://evil.example' });
      expect(evil.statusCode).toBe(403);
      expect(evil.json().error.code).toBe('csrf_origin_mismatch');
      expect(evil.cookies).toEqual([]);
      const own = await login(person.email, PASSWORD, '192.0.2.50', { origin: 'http://drawbridge.test' });
      expect(own.statusCode).toBe(200);
    });
  });
});
