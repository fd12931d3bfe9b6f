/**
 * The sessions repository: finding a live session with its user, organisation and groups, expiry, touching,
 * revoking, and deleting ended sessions (both engines).
 */
import { describe, expect, it } from 'vitest';
import type { Session } from '../../src/store/repositories/sessions.ts';
import type { Store } from '../../src/store/store.ts';
import { ENGINES } from '../support/databases.ts';
import { atTime, unique, withTestStore } from './helpers.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Sessions in these tests live around this instant; the deleteEnded test uses far earlier ones. */
const T = 2_000_000_000_000;

describe.each(ENGINES)('sessions repository (%s)', (engine) => {
  let store: Store;
  withTestStore(engine, (opened) => {
    store = opened;
  });

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
