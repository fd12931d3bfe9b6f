/**
 * Refusals for configuration names that do not exist: the per-name rate limits of the ACS and
 * the OIDC callback count every invented name afresh, so the trace they leave is budgeted per
 * client address instead (src/http/trace-budget.ts): the first few are traced for an instance
 * admin, the rest are answered the same way but write nothing.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { traceBudget, UNKNOWN_CONFIGURATION_TRACES_PER_MINUTE } from '../../src/http/trace-budget.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

describe('trace budget', () => {
  it('allows `limit` takes per key in a window, keeps keys apart and starts over with the next window', () => {
    const budget = traceBudget(2, 100, 60_000);
    expect([budget.take('a', 0), budget.take('a', 1), budget.take('a', 2)]).toEqual([true, true, false]);
    expect(budget.take('b', 3)).toBe(true);
    expect(budget.take('a', 60_000)).toBe(true);
  });

  it('refuses new keys once it remembers its maximum (fails closed, not open)', () => {
    const budget = traceBudget(5, 2, 60_000);
    expect([budget.take('a', 0), budget.take('b', 0), budget.take('c', 0)]).toEqual([true, true, false]);
    expect(budget.take('a', 1)).toBe(true);
  });
});

describe('refusals for configuration names that do not exist', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite', {
      OIDC_CALLBACK_RATE_LIMIT_PER_MINUTE: '1000',
      SAML_ACS_RATE_LIMIT_PER_MINUTE: '1000',
    });
  });
  afterAll(() => t.close());

  const traces = async () =>
    Number((await sql<{ n: number }>`select count(*) as n from login_traces`.execute(t.db)).rows[0]!.n);

  it('traces the first refusals per client address, then answers alike without writing a trace', async () => {
    const before = await traces();
    const extra = 5;
    for (let i = 0; i < UNKNOWN_CONFIGURATION_TRACES_PER_MINUTE + extra; i++) {
      const res =
        i % 2 === 0
          ? await t.app.inject({
              method: 'GET',
              url: `/api/v1/auth/oidc/invented-${i}/callback/?code=x&state=y`,
              remoteAddress: '198.51.100.7',
              headers: { accept: 'application/json' },
            })
          : await t.app.inject({
              method: 'POST',
              url: `/api/v1/auth/saml/invented-${i}/response/`,
              remoteAddress: '198.51.100.7',
              headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
              payload: 'SAMLResponse=PHg%2BPC94Pg%3D%3D',
            });
      expect(res.statusCode, res.body).toBe(404);
      expect(res.json().error.code).toMatch(/^(oidc|saml)_configuration_not_found$/);
    }
    expect(await traces()).toBe(before + UNKNOWN_CONFIGURATION_TRACES_PER_MINUTE);

    // Another address has its own budget.
    const other = await t.app.inject({
      method: 'GET',
      url: '/api/v1/auth/oidc/invented-other/callback/?code=x&state=y',
      remoteAddress: '198.51.100.8',
      headers: { accept: 'application/json' },
    });
    expect(other.statusCode).toBe(404);
    expect(await traces()).toBe(before + UNKNOWN_CONFIGURATION_TRACES_PER_MINUTE + 1);
  });
});
