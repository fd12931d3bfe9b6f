import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewAuditEvent, NewLoginTrace } from '../../src/store/repositories/records.ts';
import type { Session } from '../../src/store/repositories/sessions.ts';
import type { Store } from '../../src/store/store.ts';
import { ENGINES } from '../support/databases.ts';
import { atTime, openTestStore, type StoreUnderTest, unique } from './helpers.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Sessions in these tests live around this instant; the deleteEnded test uses far earlier ones. */
const T = 2_000_000_000_000;

describe.each(ENGINES)('sessions repository (%s)', (engine) => {
  let t: StoreUnderTest;
  let store: Store;
  beforeAll(async () => {
    t = await openTestStore(engine);
    store = t.store;
  });
  afterAll(() => t.close());

  const newUser = () => store.users.create({ email: `${unique('sess')}@x.test`, firstName: 'Sam' });

  function session(userId: string, overrides: Partial<Session> = {}): Session {
    return {
      idHash: unique('hash'),
      userId,
      createdAt: T,
      lastSeenAt: T,
      idleExpiresAt: T + HOUR,
      absoluteExpiresAt: T + 12 * HOUR,
      ip: '203.0.113.7',
      userAgent: 'vitest',
      method: 'password',
      ...overrides,
    };
  }

  it('finds a live session together with its user', async () => {
    const user = await newUser();
    const s = session(user.id);
    await store.sessions.create(s);
    expect(await store.sessions.findActive(s.idHash, T + MINUTE)).toEqual({
      session: s,
      user,
      firstMembership: null,
    });
  });

  it('brings the organisation the user joined first, with their role there', async () => {
    const user = await newUser();
    const first = await store.organisations.create({ name: 'First', slug: unique('first') });
    const second = await store.organisations.create({ name: 'Second', slug: unique('second') });
    await atTime(T, () => store.memberships.add(user.id, first.id, 'admin_viewer'));
    await atTime(T + MINUTE, () => store.memberships.add(user.id, second.id, 'admin'));
    const s = session(user.id);
    await store.sessions.create(s);
    expect((await store.sessions.findActive(s.idHash, T + MINUTE))?.firstMembership).toEqual({
      role: 'admin_viewer',
      organisation: { id: first.id, name: 'First', slug: first.slug },
      groups: [],
    });
  });

  it("brings the person's groups in that first organisation, by name, and no other organisation's", async () => {
    const user = await newUser();
    const first = await store.organisations.create({ name: 'First', slug: unique('first') });
    const second = await store.organisations.create({ name: 'Second', slug: unique('second') });
    await atTime(T, () => store.memberships.add(user.id, first.id, 'member'));
    await atTime(T + MINUTE, () => store.memberships.add(user.id, second.id, 'member'));
    const zeta = await store.groups.create(first.id, { name: 'Zeta', externalId: 'z' });
    const alpha = await store.groups.create(first.id, { name: 'Alpha' });
    await store.groups.create(first.id, { name: 'Not a member' });
    const elsewhere = await store.groups.create(second.id, { name: 'Elsewhere' });
    for (const g of [zeta, elsewhere, alpha]) await store.groups.addMember(g.id, user.id, 'sso');
    const s = session(user.id);
    await store.sessions.create(s);
    const found = await store.sessions.findActive(s.idHash, T + MINUTE);
    expect(found?.firstMembership?.groups).toEqual([
      { id: alpha.id, name: 'Alpha', externalId: null },
      { id: zeta.id, name: 'Zeta', externalId: 'z' },
    ]);
    expect(found?.session).toEqual(s);
    expect(found?.user.id).toBe(user.id);
  });

  it('answers checks made together each for its own session, instant and user', async () => {
    const [a, b, disabled] = [await newUser(), await newUser(), await newUser()];
    await store.users.update(disabled.id, { disabled: true });
    const live = session(a.id);
    const other = session(b.id, { idleExpiresAt: T + 2 * MINUTE });
    const revoked = session(a.id);
    const ofDisabled = session(disabled.id);
    for (const s of [live, other, revoked, ofDisabled]) await store.sessions.create(s);
    await store.sessions.revoke(revoked.idHash, T);
    const found = await Promise.all([
      store.sessions.findActive(live.idHash, T + MINUTE),
      store.sessions.findActive(other.idHash, T + MINUTE),
      store.sessions.findActive(other.idHash, T + 2 * MINUTE),
      store.sessions.findActive(revoked.idHash, T + MINUTE),
      store.sessions.findActive(ofDisabled.idHash, T + MINUTE),
      store.sessions.findActive(unique('unknown'), T + MINUTE),
      store.sessions.findActive(live.idHash, T + MINUTE),
    ]);
    expect(found.map((f) => f?.user.id ?? null)).toEqual([a.id, b.id, null, null, null, null, a.id]);
    expect(found[0]?.session).toEqual(live);
  });

  it('does not see a revocation before its transaction commits, and sees it right after', async () => {
    const user = await newUser();
    const s = session(user.id);
    await store.sessions.create(s);
    await store.transaction(async (tx) => {
      await tx.sessions.revoke(s.idHash, T + MINUTE);
      // The store itself (not the transaction) reads only committed data.
      expect(await store.sessions.findActive(s.idHash, T + MINUTE)).toBeDefined();
    });
    expect(await store.sessions.findActive(s.idHash, T + MINUTE)).toBeUndefined();
  });

  it('sees a revocation made on another connection at the next check (the hot read path)', async () => {
    const user = await newUser();
    const s = session(user.id);
    await store.sessions.create(s);
    expect(await store.sessions.findActive(s.idHash, T + MINUTE)).toBeDefined();
    await store.transaction((tx) => tx.sessions.revoke(s.idHash, T + MINUTE));
    expect(await store.sessions.findActive(s.idHash, T + MINUTE)).toBeUndefined();
  });

  it('keeps null ip and user agent as null', async () => {
    const user = await newUser();
    const s = session(user.id, { ip: null, userAgent: null, method: 'saml' });
    await store.sessions.create(s);
    expect((await store.sessions.findActive(s.idHash, T))?.session).toEqual(s);
  });

  it('finds nothing for an unknown session hash', async () => {
    expect(await store.sessions.findActive(unique('unknown'), T)).toBeUndefined();
  });

  it('finds nothing once the idle expiry is reached', async () => {
    const user = await newUser();
    const s = session(user.id);
    await store.sessions.create(s);
    expect(await store.sessions.findActive(s.idHash, s.idleExpiresAt - 1)).toBeDefined();
    expect(await store.sessions.findActive(s.idHash, s.idleExpiresAt)).toBeUndefined();
    expect(await store.sessions.findActive(s.idHash, s.idleExpiresAt + MINUTE)).toBeUndefined();
  });

  it('finds nothing once the absolute expiry is reached, even if the idle expiry is later', async () => {
    const user = await newUser();
    const s = session(user.id, { idleExpiresAt: T + HOUR, absoluteExpiresAt: T + 2 * HOUR });
    await store.sessions.create(s);
    await store.sessions.touch(s.idHash, T + 90 * MINUTE, T + 150 * MINUTE);
    expect(await store.sessions.findActive(s.idHash, T + 2 * HOUR - 1)).toBeDefined();
    expect(await store.sessions.findActive(s.idHash, T + 2 * HOUR)).toBeUndefined();
    expect(await store.sessions.findActive(s.idHash, T + 130 * MINUTE)).toBeUndefined();
  });

  it('finds nothing after the session is revoked, without affecting the user’s other sessions', async () => {
    const user = await newUser();
    const revoked = session(user.id);
    const kept = session(user.id);
    await store.sessions.create(revoked);
    await store.sessions.create(kept);
    await store.sessions.revoke(revoked.idHash, T + MINUTE);
    expect(await store.sessions.findActive(revoked.idHash, T + 2 * MINUTE)).toBeUndefined();
    expect(await store.sessions.findActive(kept.idHash, T + 2 * MINUTE)).toBeDefined();
  });

  it('finds nothing while the user is disabled, and finds the session again once re-enabled', async () => {
    const user = await newUser();
    const s = session(user.id);
    await store.sessions.create(s);
    await store.users.update(user.id, { disabled: true });
    expect(await store.sessions.findActive(s.idHash, T + MINUTE)).toBeUndefined();
    await store.users.update(user.id, { disabled: false });
    expect((await store.sessions.findActive(s.idHash, T + MINUTE))?.user.id).toBe(user.id);
  });

  it('moves the idle expiry and last-seen time on touch', async () => {
    const user = await newUser();
    const s = session(user.id, { idleExpiresAt: T + HOUR });
    await store.sessions.create(s);
    await store.sessions.touch(s.idHash, T + 50 * MINUTE, T + 110 * MINUTE);
    const found = await store.sessions.findActive(s.idHash, T + 100 * MINUTE);
    expect(found?.session).toEqual({ ...s, lastSeenAt: T + 50 * MINUTE, idleExpiresAt: T + 110 * MINUTE });
    expect(await store.sessions.findActive(s.idHash, T + 110 * MINUTE)).toBeUndefined();
  });

  it('revokes all live sessions of a user, counting only those it revoked', async () => {
    const user = await newUser();
    const bystander = await newUser();
    const sessions = [session(user.id), session(user.id), session(user.id)];
    for (const s of sessions) await store.sessions.create(s);
    const other = session(bystander.id);
    await store.sessions.create(other);
    await store.sessions.revoke(sessions[0]!.idHash, T + MINUTE);

    expect(await store.sessions.revokeAllForUser(user.id, T + 2 * MINUTE)).toBe(2);
    for (const s of sessions)
      expect(await store.sessions.findActive(s.idHash, T + 3 * MINUTE)).toBeUndefined();
    expect(await store.sessions.findActive(other.idHash, T + 3 * MINUTE)).toBeDefined();
    expect(await store.sessions.revokeAllForUser(user.id, T + 4 * MINUTE)).toBe(0);
  });

  it('counts only the live sessions of the user', async () => {
    const user = await newUser();
    const bystander = await newUser();
    await store.sessions.create(session(user.id));
    await store.sessions.create(session(user.id));
    await store.sessions.create(session(user.id, { idleExpiresAt: T + MINUTE }));
    await store.sessions.create(
      session(user.id, { idleExpiresAt: T + 3 * HOUR, absoluteExpiresAt: T + 2 * MINUTE }),
    );
    const revoked = session(user.id);
    await store.sessions.create(revoked);
    await store.sessions.revoke(revoked.idHash, T);
    await store.sessions.create(session(bystander.id));

    expect(await store.sessions.countActiveForUser(user.id, T)).toBe(4);
    expect(await store.sessions.countActiveForUser(user.id, T + 5 * MINUTE)).toBe(2);
    expect(await store.sessions.countActiveForUser(user.id, T + 13 * HOUR)).toBe(0);
    expect(await store.sessions.countActiveForUser(bystander.id, T + 5 * MINUTE)).toBe(1);
  });

  it('deletes sessions that ended (idle, absolute or revoked) before the cut-off and keeps the rest', async () => {
    // Timestamps far before T so that sessions of the other tests are never affected.
    const E = 1_000_000_000;
    const user = await newUser();
    const idleEnded = session(user.id, {
      createdAt: E,
      lastSeenAt: E,
      idleExpiresAt: E + 10,
      absoluteExpiresAt: E + 1000,
    });
    const absoluteEnded = session(user.id, {
      createdAt: E,
      lastSeenAt: E,
      idleExpiresAt: E + 500,
      absoluteExpiresAt: E + 20,
    });
    const revokedEarly = session(user.id, {
      createdAt: E,
      lastSeenAt: E,
      idleExpiresAt: E + 900,
      absoluteExpiresAt: E + 900,
    });
    const revokedLate = session(user.id, {
      createdAt: E,
      lastSeenAt: E,
      idleExpiresAt: E + 900,
      absoluteExpiresAt: E + 900,
    });
    const live = session(user.id, {
      createdAt: E,
      lastSeenAt: E,
      idleExpiresAt: E + 900,
      absoluteExpiresAt: E + 900,
    });
    for (const s of [idleEnded, absoluteEnded, revokedEarly, revokedLate, live])
      await store.sessions.create(s);
    await store.sessions.revoke(revokedEarly.idHash, E + 30);
    await store.sessions.revoke(revokedLate.idHash, E + 200);

    expect(await store.sessions.deleteEnded(E + 100)).toBe(3);
    // Left: `revokedLate` (revoked after the cut-off) and `live`; later both have ended.
    expect(await store.sessions.countActiveForUser(user.id, E + 100)).toBe(1);
    expect(await store.sessions.findActive(live.idHash, E + 100)).toBeDefined();
    expect(await store.sessions.deleteEnded(E + 100)).toBe(0);
    expect(await store.sessions.deleteEnded(E + 1000)).toBe(2);
    expect(await store.sessions.findActive(live.idHash, E + 100)).toBeUndefined();
  });
});

describe.each(ENGINES)('apiKeys repository (%s)', (engine) => {
  let t: StoreUnderTest;
  let store: Store;
  beforeAll(async () => {
    t = await openTestStore(engine);
    store = t.store;
  });
  afterAll(() => t.close());

  const newOrg = () => store.organisations.create({ name: 'Org', slug: unique('org') });
  const newKey = (organisationId: string | null, name = 'key') =>
    store.apiKeys.create({
      id: unique('kid'),
      name,
      secretHash: `hash-${unique('s')}`,
      organisationId,
      role: 'admin',
    });

  it('creates a key and returns it without the secret hash', async () => {
    const org = await newOrg();
    const id = unique('kid');
    const key = await atTime(1_700_000_000_000, () =>
      store.apiKeys.create({
        id,
        name: 'CI',
        secretHash: 'secret-hash',
        organisationId: org.id,
        role: 'member',
      }),
    );
    expect(key).toEqual({
      id,
      name: 'CI',
      organisationId: org.id,
      role: 'member',
      createdAt: 1_700_000_000_000,
      lastUsedAt: null,
      revokedAt: null,
    });
    expect(key).not.toHaveProperty('secretHash');
  });

  it('reads a key without its secret hash through get', async () => {
    const key = await newKey(null);
    const got = await store.apiKeys.get(key.id);
    expect(got).toEqual(key);
    expect(got).not.toHaveProperty('secretHash');
    expect(await store.apiKeys.get(unique('missing'))).toBeUndefined();
  });

  it('reads a key with its secret hash for authentication', async () => {
    const id = unique('kid');
    const key = await store.apiKeys.create({
      id,
      name: 'auth',
      secretHash: 'the-hash',
      organisationId: null,
      role: 'admin',
    });
    expect(await store.apiKeys.getForAuthentication(id)).toEqual({ ...key, secretHash: 'the-hash' });
    expect(await store.apiKeys.getForAuthentication(unique('missing'))).toBeUndefined();
  });

  it('lists instance keys for null and only that organisation’s keys for an organisation id', async () => {
    const org = await newOrg();
    const other = await newOrg();
    const first = await atTime(1_700_000_000_000, () => newKey(org.id, 'first'));
    const second = await atTime(1_700_000_001_000, () => newKey(org.id, 'second'));
    const otherKey = await newKey(other.id);
    const instanceKey = await newKey(null);

    const orgKeys = await store.apiKeys.list(org.id);
    expect(orgKeys).toEqual([first, second]);
    for (const k of orgKeys) expect(k).not.toHaveProperty('secretHash');

    const instanceKeys = await store.apiKeys.list(null);
    expect(instanceKeys.map((k) => k.id)).toContain(instanceKey.id);
    expect(instanceKeys.every((k) => k.organisationId === null)).toBe(true);
    for (const k of instanceKeys) expect(k).not.toHaveProperty('secretHash');
    expect(await store.apiKeys.list(other.id)).toEqual([otherKey]);
  });

  it('revokes a key once, recording when; a second revoke returns false and keeps the first time', async () => {
    const key = await newKey(null);
    expect(await atTime(1_700_000_010_000, () => store.apiKeys.revoke(key.id))).toBe(true);
    expect(await store.apiKeys.get(key.id)).toMatchObject({ revokedAt: 1_700_000_010_000 });
    expect(await atTime(1_700_000_020_000, () => store.apiKeys.revoke(key.id))).toBe(false);
    expect(await store.apiKeys.get(key.id)).toMatchObject({ revokedAt: 1_700_000_010_000 });
    expect(await store.apiKeys.revoke(unique('missing'))).toBe(false);
  });

  it('records the last use on touch', async () => {
    const key = await newKey(null);
    await store.apiKeys.touch(key.id, 1_700_000_050_000);
    expect(await store.apiKeys.get(key.id)).toEqual({ ...key, lastUsedAt: 1_700_000_050_000 });
    await store.apiKeys.touch(key.id, 1_700_000_060_000);
    expect((await store.apiKeys.getForAuthentication(key.id))?.lastUsedAt).toBe(1_700_000_060_000);
  });
});

describe.each(ENGINES)('loginTraces repository (%s)', (engine) => {
  let t: StoreUnderTest;
  let store: Store;
  beforeAll(async () => {
    t = await openTestStore(engine);
    store = t.store;
  });
  afterAll(() => t.close());

  const newOrg = () => store.organisations.create({ name: 'Org', slug: unique('org') });
  const trace = (organisationId: string | null, overrides: Partial<NewLoginTrace> = {}): NewLoginTrace => ({
    organisationId,
    protocol: 'oidc',
    configuration: 'okta',
    outcome: 'success',
    code: null,
    message: null,
    email: 'someone@x.test',
    userId: null,
    ip: '198.51.100.1',
    detail: {},
    ...overrides,
  });

  it('records a trace and lists it back with every field', async () => {
    const org = await newOrg();
    const input = trace(org.id, {
      protocol: 'saml',
      configuration: null,
      outcome: 'failure',
      code: 'signature_invalid',
      message: 'Signature did not verify',
      userId: 'user-1',
      ip: null,
      detail: { issuer: 'https://idp.test', attempts: 2, nested: { ok: false } },
    });
    const recorded = await atTime(1_700_000_000_000, () => store.loginTraces.record(input));
    expect(recorded).toEqual({ ...input, id: expect.any(String), createdAt: 1_700_000_000_000 });
    expect((await store.loginTraces.list(org.id, { limit: 10 })).items).toEqual([recorded]);
  });

  it('lists newest first and pages with the cursor', async () => {
    const org = await newOrg();
    const recorded = [];
    for (let i = 1; i <= 5; i += 1) {
      recorded.push(
        await atTime(1_700_000_000_000 + i * 1000, () =>
          store.loginTraces.record(trace(org.id, { code: `c${i}` })),
        ),
      );
    }
    const codes = (page: { items: { code: string | null }[] }) => page.items.map((r) => r.code);
    const page1 = await store.loginTraces.list(org.id, { limit: 2 });
    expect(codes(page1)).toEqual(['c5', 'c4']);
    const page2 = await store.loginTraces.list(org.id, { limit: 2, cursor: page1.nextCursor! });
    expect(codes(page2)).toEqual(['c3', 'c2']);
    const page3 = await store.loginTraces.list(org.id, { limit: 2, cursor: page2.nextCursor! });
    expect(codes(page3)).toEqual(['c1']);
    expect(page3.nextCursor).toBeNull();
    expect((await store.loginTraces.list(org.id, { limit: 10 })).items).toEqual([...recorded].reverse());
  });

  it('pages without skipping or repeating rows written in the same millisecond', async () => {
    const org = await newOrg();
    for (let i = 1; i <= 7; i += 1) {
      await atTime(1_700_000_500_000, () => store.loginTraces.record(trace(org.id, { code: `s${i}` })));
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof store.loginTraces.list>> = await store.loginTraces.list(org.id, {
        limit: 3,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...page.items.map((r) => r.code!));
      cursor = page.nextCursor;
    } while (cursor);
    expect([...seen].sort()).toEqual(['s1', 's2', 's3', 's4', 's5', 's6', 's7']);
  });

  it('lists only the traces of the given organisation', async () => {
    const org = await newOrg();
    const other = await newOrg();
    const mine = await store.loginTraces.record(trace(org.id, { email: 'mine@x.test' }));
    await store.loginTraces.record(trace(other.id, { email: 'theirs@x.test' }));
    await store.loginTraces.record(trace(null, { email: 'nobody@x.test' }));
    expect((await store.loginTraces.list(org.id, { limit: 10 })).items).toEqual([mine]);
  });
});

describe.each(ENGINES)('auditEvents repository (%s)', (engine) => {
  let t: StoreUnderTest;
  let store: Store;
  beforeAll(async () => {
    t = await openTestStore(engine);
    store = t.store;
  });
  afterAll(() => t.close());

  const newOrg = () => store.organisations.create({ name: 'Org', slug: unique('org') });
  const event = (organisationId: string | null, overrides: Partial<NewAuditEvent> = {}): NewAuditEvent => ({
    organisationId,
    actor: 'api-key:abc',
    action: 'group.create',
    targetType: 'group',
    targetId: 'g-1',
    detail: {},
    ...overrides,
  });

  it('records an event and lists it back with every field', async () => {
    const org = await newOrg();
    const input = event(org.id, {
      targetId: null,
      detail: { before: { name: 'a' }, after: { name: 'b' }, n: 1 },
    });
    await atTime(1_700_000_000_000, () => store.auditEvents.record(input));
    expect((await store.auditEvents.list(org.id, { limit: 10 })).items).toEqual([
      { ...input, id: expect.any(String), createdAt: 1_700_000_000_000 },
    ]);
  });

  it('lists newest first and pages with the cursor', async () => {
    const org = await newOrg();
    for (let i = 1; i <= 5; i += 1) {
      await atTime(1_700_000_000_000 + i * 1000, () =>
        store.auditEvents.record(event(org.id, { action: `a${i}` })),
      );
    }
    const actions = (page: { items: { action: string }[] }) => page.items.map((e) => e.action);
    const page1 = await store.auditEvents.list(org.id, { limit: 3 });
    expect(actions(page1)).toEqual(['a5', 'a4', 'a3']);
    const page2 = await store.auditEvents.list(org.id, { limit: 3, cursor: page1.nextCursor! });
    expect(actions(page2)).toEqual(['a2', 'a1']);
    expect(page2.nextCursor).toBeNull();
  });

  it('lists only the events of the given organisation', async () => {
    const org = await newOrg();
    const other = await newOrg();
    await store.auditEvents.record(event(org.id, { action: 'mine' }));
    await store.auditEvents.record(event(other.id, { action: 'theirs' }));
    await store.auditEvents.record(event(null, { action: 'instance' }));
    expect((await store.auditEvents.list(org.id, { limit: 10 })).items.map((e) => e.action)).toEqual([
      'mine',
    ]);
  });

  it('lists instance-level events only when the organisation is null', async () => {
    const org = await newOrg();
    const actor = unique('actor');
    await atTime(1_700_000_100_000, () =>
      store.auditEvents.record(event(null, { actor, action: 'instance.first' })),
    );
    await atTime(1_700_000_200_000, () =>
      store.auditEvents.record(event(org.id, { actor, action: 'org.event' })),
    );
    await atTime(1_700_000_300_000, () =>
      store.auditEvents.record(event(null, { actor, action: 'instance.second' })),
    );

    const instance = (await store.auditEvents.list(null, { limit: 100 })).items;
    expect(instance.every((e) => e.organisationId === null)).toBe(true);
    expect(instance.filter((e) => e.actor === actor).map((e) => e.action)).toEqual([
      'instance.second',
      'instance.first',
    ]);
    const first = await store.auditEvents.list(null, { limit: 1 });
    const rest = (await store.auditEvents.list(null, { limit: 100, cursor: first.nextCursor! })).items;
    expect(rest.map((e) => e.id)).not.toContain(first.items[0]!.id);
  });

  it("keeps an organisation's events under its id after the organisation is deleted", async () => {
    const org = await newOrg();
    await store.auditEvents.record(event(org.id, { action: 'before.delete' }));
    await store.organisations.delete(org.id);
    expect((await store.auditEvents.list(org.id, { limit: 10 })).items.map((e) => e.action)).toEqual([
      'before.delete',
    ]);
    const instance = (await store.auditEvents.list(null, { limit: 200 })).items;
    expect(instance.map((e) => e.action)).not.toContain('before.delete');
  });
});

describe.each(ENGINES)('settings repository (%s)', (engine) => {
  let t: StoreUnderTest;
  let store: Store;
  beforeAll(async () => {
    t = await openTestStore(engine);
    store = t.store;
  });
  afterAll(() => t.close());

  it('returns undefined for a key that was never set', async () => {
    expect(await store.settings.get(unique('never'))).toBeUndefined();
  });

  it('sets a value and overwrites it on a second set', async () => {
    const key = unique('key');
    await store.settings.set(key, 'one');
    expect(await store.settings.get(key)).toBe('one');
    await store.settings.set(key, 'two');
    expect(await store.settings.get(key)).toBe('two');
  });

  it('stores a value with setIfAbsent only the first time, keeping the first value', async () => {
    const key = unique('key');
    expect(await store.settings.setIfAbsent(key, 'first')).toBe(true);
    expect(await store.settings.setIfAbsent(key, 'second')).toBe(false);
    expect(await store.settings.get(key)).toBe('first');
  });

  it('does not overwrite a value stored with set when setIfAbsent is called', async () => {
    const key = unique('key');
    await store.settings.set(key, 'explicit');
    expect(await store.settings.setIfAbsent(key, 'default')).toBe(false);
    expect(await store.settings.get(key)).toBe('explicit');
  });

  it('keeps settings under different keys apart', async () => {
    const a = unique('a');
    const b = unique('b');
    await store.settings.set(a, 'value-a');
    await store.settings.setIfAbsent(b, 'value-b');
    expect(await store.settings.get(a)).toBe('value-a');
    expect(await store.settings.get(b)).toBe('value-b');
  });
});
