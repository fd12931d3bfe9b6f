/**
 * Properties of the password-account routes, on both engines: the API applies exactly the
 * password rules (a random password is accepted iff checkPassword accepts it, else refused with
 * its code and nothing written), and random link tokens never redeem anything.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { checkPassword } from '../../src/credentials/password-rules.ts';
import { ENGINES } from '../support/databases.ts';
import { errorCode } from './answer-checks.ts';
import { exchange } from './exchange.ts';
import { describeOutcome, PropertyViolation } from './failure-report.ts';
import { createFixture, type Fixture } from './fixture.ts';
import { fresh } from './fresh.ts';
import { hostileString, nastyChar } from './hostile-values.ts';
import { runs } from './property-runs.ts';

/** Passwords around the rules: short, long, common, the email, and random text. */
const passwordArb = (email: string) =>
  fc.oneof(
    { arbitrary: fc.string({ minLength: 0, maxLength: 30 }), weight: 3 },
    { arbitrary: fc.string({ unit: nastyChar, minLength: 8, maxLength: 20 }), weight: 1 },
    { arbitrary: fc.string({ unit: 'grapheme', minLength: 10, maxLength: 16 }), weight: 2 },
    {
      arbitrary: fc.constantFrom('1qaz2wsx3edc', 'Qwerty123456', 'password1234', ' leavemealone '),
      weight: 1,
    },
    { arbitrary: fc.constantFrom(email, email.toUpperCase(), email.split('@')[0]!), weight: 1 },
    { arbitrary: fc.integer({ min: 250, max: 262 }).map((n) => 'k'.repeat(n)), weight: 1 },
  );

describe.each(ENGINES)('password rules through the API (%s)', (engine) => {
  let f: Fixture;
  beforeAll(async () => {
    f = await createFixture(engine);
  });
  afterAll(() => f?.t.close());

  it('creates a user with a random password iff the rules accept it; otherwise answers their code and writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat().chain((n) => {
          const email = `rules-${n}-${fresh()}@fixture.example`;
          return fc.tuple(fc.constant(email), passwordArb(email));
        }),
        async ([email, password]) => {
          const o = await exchange(f, {
            method: 'POST',
            url: `/api/v1/organisations/${f.orgId}/users`,
            headers: { ...f.headers.instanceAdmin, 'content-type': 'application/json' },
            payload: JSON.stringify({ email, password }),
          });
          const problem = password.includes('\u0000')
            ? { code: 'invalid_request' }
            : checkPassword(password, { email, minLength: f.t.config.PASSWORD_MIN_LENGTH });
          const expected = problem ? `400 ${problem.code}` : '201';
          const got = o.status === 201 ? '201' : `${o.status} ${errorCode(o)}`;
          if (got !== expected && !(password.length > 1024 && got === '400 invalid_request')) {
            throw new PropertyViolation(`expected ${expected}, got ${got}\n${describeOutcome(o)}`);
          }
        },
      ),
      { numRuns: runs(40) },
    );
  });

  it('never redeems a random token: 400 and nothing written, for invitations and resets alike', async () => {
    const tokenArb = fc.oneof(
      fc.base64String({ minLength: 1, maxLength: 64 }),
      fc.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      hostileString,
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/api/v1/auth/invitations/accept', '/api/v1/auth/password-reset'),
        tokenArb,
        fc.oneof(fc.constant('a brand new long passphrase'), fc.string({ maxLength: 40 })),
        async (url, token, password) => {
          const o = await exchange(f, {
            method: 'POST',
            url,
            headers: { 'content-type': 'application/json' },
            payload: JSON.stringify({ token, password }),
          });
          const code = errorCode(o);
          if (o.status !== 400 || (code !== 'token_invalid' && code !== 'invalid_request')) {
            throw new PropertyViolation(
              `expected 400 token_invalid or invalid_request\n${describeOutcome(o)}`,
            );
          }
        },
      ),
      { numRuns: runs(40) },
    );
  });

  it('accepts an invitation with a random password iff the rules accept it, keeping the link usable otherwise', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat().chain((n) => {
          const email = `invited-${n}-${fresh()}@fixture.example`;
          return fc.tuple(fc.constant(email), passwordArb(email));
        }),
        async ([email, password]) => {
          fc.pre(!password.includes('\u0000') && password.length <= 1024);
          const invited = await f.t.app.inject({
            method: 'POST',
            url: `/api/v1/organisations/${f.orgId}/invitations`,
            headers: f.headers.instanceAdmin,
            payload: { email },
          });
          const token = new URL(invited.json().url).searchParams.get('token')!;
          const o = await exchange(f, {
            method: 'POST',
            url: '/api/v1/auth/invitations/accept',
            headers: { 'content-type': 'application/json' },
            payload: JSON.stringify({ token, password }),
          });
          const problem = checkPassword(password, { email, minLength: f.t.config.PASSWORD_MIN_LENGTH });
          if (problem) {
            if (o.status !== 400 || errorCode(o) !== problem.code) {
              throw new PropertyViolation(`expected 400 ${problem.code}\n${describeOutcome(o)}`);
            }
            const retry = await f.t.app.inject({
              method: 'POST',
              url: '/api/v1/auth/invitations/accept',
              payload: { token, password: 'a brand new long passphrase' },
            });
            if (retry.statusCode !== 200)
              throw new PropertyViolation(`link was spent by a refused password: ${retry.body}`);
          } else if (o.status !== 200) {
            throw new PropertyViolation(`expected 200\n${describeOutcome(o)}`);
          }
        },
      ),
      { numRuns: runs(15) },
    );
  });
});
