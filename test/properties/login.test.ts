/**
 * (f) POST /api/v1/auth/login with random emails and passwords, on both engines: a 400
 * (malformed) or 401 (wrong credentials), never a 5xx, no session and no change other than
 * the login trace a failed sign-in records by design. Each attempt verifies an argon2 hash,
 * so the run counts stay small.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ENGINES } from '../support/databases.ts';
import { errorCode } from './answer-checks.ts';
import { exchange } from './exchange.ts';
import { describeOutcome, PropertyViolation } from './failure-report.ts';
import { createFixture, type Fixture, ORG_ADMIN_PASSWORD } from './fixture.ts';
import { hostileString, nastyChar, poisonedText } from './hostile-values.ts';
import { runs } from './property-runs.ts';

const LOGIN = '/api/v1/auth/login';

const emailArb = (f: Fixture) =>
  fc.oneof(
    { arbitrary: fc.emailAddress(), weight: 3 },
    { arbitrary: hostileString, weight: 2 },
    { arbitrary: poisonedText('email'), weight: 2 },
    {
      // The real address, disguised: case, whitespace, Unicode forms.
      arbitrary: fc.constantFrom(
        f.orgAdminEmail,
        f.orgAdminEmail.toUpperCase(),
        ` ${f.orgAdminEmail} `,
        `${f.orgAdminEmail}\u0000`,
        f.orgAdminEmail.replace('@', '\uff20'),
        'member@fixture.example',
      ),
      weight: 2,
    },
    { arbitrary: fc.integer({ min: 250, max: 300 }).map((n) => `${'a'.repeat(n)}@x.io`), weight: 1 },
  );

const passwordArb = fc.oneof(
  { arbitrary: fc.string({ maxLength: 40 }), weight: 3 },
  { arbitrary: fc.string({ unit: nastyChar, maxLength: 20 }), weight: 2 },
  { arbitrary: hostileString.filter((s) => s.length <= 1024), weight: 1 },
  {
    arbitrary: fc.constantFrom(
      '',
      ORG_ADMIN_PASSWORD.toUpperCase(),
      `${ORG_ADMIN_PASSWORD} `,
      `${ORG_ADMIN_PASSWORD}\u0000`,
      ORG_ADMIN_PASSWORD.slice(0, -1),
    ),
    weight: 2,
  },
  { arbitrary: fc.constantFrom(1024, 1025, 5000).map((n) => 'p'.repeat(n)), weight: 1 },
);

/** A body: mostly {email, password}, sometimes with wrong types, missing or extra fields. */
const bodyArb = (f: Fixture) =>
  fc.oneof(
    { arbitrary: fc.record({ email: emailArb(f), password: passwordArb }), weight: 6 },
    {
      arbitrary: fc.record(
        {
          email: fc.oneof(emailArb(f), fc.jsonValue({ maxDepth: 1 })),
          password: fc.oneof(passwordArb, fc.jsonValue({ maxDepth: 1 })),
          extra: fc.jsonValue({ maxDepth: 1 }),
        },
        { requiredKeys: [] },
      ),
      weight: 2,
    },
  );

describe.each(ENGINES)('sign-in with random credentials (%s)', (engine) => {
  let f: Fixture;
  beforeAll(async () => {
    f = await createFixture(engine);
  });
  afterAll(() => f?.t.close());

  it('answers random emails and passwords with 400 or 401, never a session, writing only a login trace', async () => {
    await fc.assert(
      fc.asyncProperty(bodyArb(f), async (body) => {
        const o = await exchange(
          f,
          {
            method: 'POST',
            url: LOGIN,
            headers: { 'content-type': 'application/json' },
            payload: JSON.stringify(body),
          },
          { mayWrite: ['login_traces'] },
        );
        const code = errorCode(o);
        // Fastify's JSON parser refuses prototype-poisoning keys (__proto__, constructor.prototype)
        // before any route code runs: malformed_json, for exactly those bodies.
        const poisoning = /"(__proto__|constructor)"/.test(JSON.stringify(body));
        const ok =
          (o.status === 400 && code === 'invalid_request') ||
          (o.status === 400 && code === 'malformed_json' && poisoning) ||
          (o.status === 401 && code === 'invalid_credentials');
        if (!ok)
          throw new PropertyViolation(
            `expected 400 invalid_request (or malformed_json for a __proto__ key) or 401 invalid_credentials\n${describeOutcome(o)}`,
          );
      }),
      { numRuns: runs(30) },
    );
  });
});
