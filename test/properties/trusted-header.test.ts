/**
 * The trusted-header login with random header values and random peer addresses, on both
 * engines: never a 5xx; from an address outside TRUSTED_PROXY_CIDRS always 403
 * `trusted_header_untrusted_source`, no session and no user, whatever the headers say
 * (X-Forwarded-For included).
 */
import fc from 'fast-check';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapFromEnvironment } from '../../src/sso/oidc-bootstrap.ts';
import { unique } from '../support/actors.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { ENGINES } from '../support/databases.ts';
import { hostileString, nastyChar } from './hostile-values.ts';
import { runs } from './property-runs.ts';

const LOGIN = '/api/v1/auth/trusted-header/login/';

const trustedPeer = fc.oneof(
  fc.tuple(fc.nat(255), fc.nat(255)).map(([a, b]) => `10.9.${a}.${b}`),
  fc.nat(255).map((a) => `::ffff:10.9.0.${a}`),
);
const untrustedPeer = fc.oneof(
  fc.ipV4().filter((ip) => !ip.startsWith('10.9.')),
  fc.ipV6().filter((ip) => !/^::ffff:10\.9\./i.test(ip)),
  fc.constantFrom('10.8.255.255', '10.10.0.0', '::1', '127.0.0.1', '::ffff:10.10.0.1', 'not-an-ip', ''),
);
const headerValue = fc.oneof(
  { arbitrary: fc.emailAddress(), weight: 3 },
  { arbitrary: fc.string({ maxLength: 60 }), weight: 2 },
  { arbitrary: fc.string({ unit: nastyChar, maxLength: 30 }), weight: 2 },
  { arbitrary: hostileString.filter((s) => s.length <= 4096), weight: 1 },
  {
    arbitrary: fc.array(fc.emailAddress(), { minLength: 2, maxLength: 3 }).map((a) => a.join(', ')),
    weight: 1,
  },
);
const headers = fc.record(
  {
    'x-forwarded-email': headerValue,
    'x-forwarded-user': headerValue,
    'x-forwarded-groups': headerValue,
    'x-forwarded-name': headerValue,
    'x-forwarded-for': fc.oneof(fc.constant('10.9.0.1'), fc.ipV4()),
  },
  { requiredKeys: [] },
);

describe.each(ENGINES)('trusted-header login with random headers (%s)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine, {
      TRUSTED_HEADER_ENABLED: 'true',
      TRUSTED_PROXY_CIDRS: '10.9.0.0/16',
      TRUSTED_HEADER_NAME: 'x-forwarded-name',
      TRUSTED_HEADER_ORGANISATION: unique('prop-org'),
      TRUST_PROXY: 'true',
      // Many runs share an X-Forwarded-For address; the limit has its own test.
      CUSTOM_SIGN_IN_RATE_LIMIT_PER_MINUTE: '1000000',
    });
    await bootstrapFromEnvironment({
      config: t.config,
      store: t.store,
      box: t.box,
      log: pino({ level: 'silent' }),
    });
  });
  afterAll(() => t.close());

  it('never answers 5xx, and never gives a session to a peer outside TRUSTED_PROXY_CIDRS', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), trustedPeer, untrustedPeer, headers, async (fromProxy, good, bad, h) => {
        const remoteAddress = fromProxy ? good : bad;
        const email = h['x-forwarded-email'];
        const known =
          typeof email === 'string' && /^[\x21-\x7e]{3,200}$/.test(email.trim()) ? email.trim() : undefined;
        const before = known ? await t.store.users.getByEmail(known) : undefined;
        const res = await t.app.inject({
          method: 'GET',
          url: LOGIN,
          remoteAddress,
          headers: h as Record<string, string>,
        });
        expect(
          res.statusCode,
          `${remoteAddress} ${JSON.stringify(h)}: ${res.body.slice(0, 200)}`,
        ).toBeLessThan(500);
        const session = res.cookies.find((c) => c.name === t.config.SESSION_COOKIE_NAME);
        if (!fromProxy) {
          expect(res.statusCode).toBe(403);
          expect(res.body).toContain('trusted_header_untrusted_source');
          expect(session).toBeUndefined();
          // Nobody created or changed (names, groups) by headers from outside the proxy.
          if (known) expect(await t.store.users.getByEmail(known)).toEqual(before);
        } else {
          expect([303, 400, 403]).toContain(res.statusCode);
          expect(session !== undefined).toBe(res.statusCode === 303);
        }
      }),
      { numRuns: runs(60) },
    );
  });
});
