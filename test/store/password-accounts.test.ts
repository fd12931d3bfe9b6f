import { describe, expect, it } from 'vitest';
import type { Session } from '../../src/store/repositories/sessions.ts';
import type { Store } from '../../src/store/store.ts';
import { ENGINES } from '../support/databases.ts';
import { unique, withTestStore } from './helpers.ts';

const T = 2_000_000_000_000;
const HOUR = 3_600_000;

describe.each(ENGINES)('login throttles repository (%s)', (engine) => {
  let store: Store;
  withTestStore(engine, (opened) => {
    store = opened;
  });

  it('counts failures per key and remembers the first and last', async () => {
    const key = unique('account:x');
    await store.loginThrottles.recordFailure(key, T, T - HOUR);
    const second = await store.loginThrottles.recordFailure(key, T + 1000, T - HOUR);
    expect(second).toEqual({ key, failures: 2, firstFailureAt: T, lastFailureAt: T + 1000 });
    expect(await store.loginThrottles.get([key, unique('ip:none')])).toEqual([second]);
  });

  it('starts again at 1 when the last failure is older than the forget line', async () => {
    const key = unique('account:y');
    await store.loginThrottles.recordFailure(key, T, T - HOUR);
    await store.loginThrottles.recordFailure(key, T + 1, T - HOUR);
    const fresh = await store.loginThrottles.recordFailure(key, T + 2 * HOUR, T + HOUR);
    expect(fresh).toEqual({ key, failures: 1, firstFailureAt: T + 2 * HOUR, lastFailureAt: T + 2 * HOUR });
  });

  it('loses no failure when many are recorded at once (one statement per failure)', async () => {
    const key = unique('ip:burst');
    await Promise.all(Array.from({ length: 20 }, () => store.loginThrottles.recordFailure(key, T, T - HOUR)));
    expect((await store.loginThrottles.get([key]))[0]?.failures).toBe(20);
  });

  it('clears a key and deletes stale counters', async () => {
    const a = unique('account:a');
    const b = unique('account:b');
    await store.loginThrottles.recordFailure(a, T, T - HOUR);
    await store.loginThrottles.recordFailure(b, 1000, 0);
    await store.loginThrottles.clear(a);
    expect(await store.loginThrottles.deleteStale(2000)).toBeGreaterThanOrEqual(1);
    expect(await store.loginThrottles.get([a, b])).toEqual([]);
  });
});

describe.each(ENGINES)('password tokens repository (%s)', (engine) => {
  let store: Store;
  withTestStore(engine, (opened) => {
    store = opened;
  });

  const newToken = async (purpose: 'invitation' | 'reset' = 'reset', expiresAt = T + HOUR) => {
    const user = await store.users.create({ email: `${unique('tok')}@x.test` });
    const token = await store.passwordTokens.create({
      idHash: unique('hash'),
      purpose,
      userId: user.id,
      organisationId: null,
      createdBy: 'key:test',
      createdAt: T,
      expiresAt,
    });
    return { user, token };
  };

  it('consumes a token once: the second redemption gets nothing', async () => {
    const { token } = await newToken();
    expect(await store.passwordTokens.consume(token.idHash, 'reset', T + 1)).toEqual({
      ...token,
      usedAt: T + 1,
    });
    expect(await store.passwordTokens.consume(token.idHash, 'reset', T + 2)).toBeUndefined();
  });

  it('gives a token to exactly one of several simultaneous redemptions', async () => {
    const { token } = await newToken();
    const results = await Promise.all(
      Array.from({ length: 8 }, () => store.passwordTokens.consume(token.idHash, 'reset', T + 1)),
    );
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
  });

  it('refuses an expired token and one of the other purpose', async () => {
    const { token } = await newToken('invitation', T + 10);
    expect(await store.passwordTokens.consume(token.idHash, 'invitation', T + 10)).toBeUndefined();
    const other = await newToken('invitation');
    expect(await store.passwordTokens.consume(other.token.idHash, 'reset', T)).toBeUndefined();
  });

  it('withdraws unused tokens of a purpose and keeps used ones', async () => {
    const { user, token } = await newToken();
    const second = await store.passwordTokens.create({ ...token, idHash: unique('hash2') });
    await store.passwordTokens.consume(token.idHash, 'reset', T);
    expect(await store.passwordTokens.deleteUnused(user.id, 'reset')).toBe(1);
    expect(await store.passwordTokens.get(second.idHash)).toBeUndefined();
    expect((await store.passwordTokens.get(token.idHash))?.usedAt).toBe(T);
  });
});

describe.each(ENGINES)('login policies and own sessions repositories (%s)', (engine) => {
  let store: Store;
  withTestStore(engine, (opened) => {
    store = opened;
  });

  it('has no policy for a new organisation, then stores and replaces one', async () => {
    const org = await store.organisations.create({ name: 'P', slug: unique('pol') });
    expect(await store.loginPolicies.get(org.id)).toBeUndefined();
    await store.loginPolicies.put(
      { organisationId: org.id, allowedLoginMethods: ['saml'], defaultSso: null },
      T,
    );
    await store.loginPolicies.put(
      {
        organisationId: org.id,
        allowedLoginMethods: ['saml', 'oidc'],
        defaultSso: { protocol: 'saml', name: 'x' },
      },
      T + 1,
    );
    expect(await store.loginPolicies.get(org.id)).toEqual({
      organisationId: org.id,
      allowedLoginMethods: ['saml', 'oidc'],
      defaultSso: { protocol: 'saml', name: 'x' },
      updatedAt: T + 1,
    });
  });

  it("lists a user's live sessions only, ends one of theirs, and all but one", async () => {
    const user = await store.users.create({ email: `${unique('own')}@x.test` });
    const other = await store.users.create({ email: `${unique('own')}@x.test` });
    const session = (userId: string, overrides: Partial<Session> = {}): Session => ({
      idHash: unique('h'),
      userId,
      createdAt: T,
      lastSeenAt: T,
      idleExpiresAt: T + HOUR,
      absoluteExpiresAt: T + 2 * HOUR,
      ip: '203.0.113.9',
      userAgent: 'vitest',
      method: 'password',
      ...overrides,
    });
    const a = session(user.id, { createdAt: T - 2 });
    const b = session(user.id, { createdAt: T - 1 });
    const c = session(user.id);
    const expired = session(user.id, { idleExpiresAt: T - 1 });
    const theirs = session(other.id);
    for (const s of [a, b, c, expired, theirs]) await store.sessions.create(s);
    expect((await store.ownSessions.listActive(user.id, T)).map((s) => s.idHash)).toEqual([
      c.idHash,
      b.idHash,
      a.idHash,
    ]);
    expect(await store.ownSessions.revoke(user.id, theirs.idHash, T)).toBe(false);
    expect(await store.ownSessions.revoke(user.id, a.idHash, T)).toBe(true);
    expect(await store.ownSessions.revoke(user.id, a.idHash, T)).toBe(false);
    expect(await store.ownSessions.revokeAllExcept(user.id, c.idHash, T)).toBe(2); // b and the expired one
    expect((await store.ownSessions.listActive(user.id, T)).map((s) => s.idHash)).toEqual([c.idHash]);
    expect(await store.ownSessions.listActive(other.id, T)).toHaveLength(1);
  });
});
