/**
 * The memberships repository: adding, listing, changing the role of and removing a person's membership of an
 * organisation, with their groups there (both engines).
 */
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.ts';
import { ENGINES } from '../support/databases.ts';
import { atTime, expectStoreError, unique, withTestStore } from './helpers.ts';

describe.each(ENGINES)('memberships repository (%s)', (engine) => {
  let store: Store;
  withTestStore(engine, (opened) => {
    store = opened;
  });

  async function orgAndUser() {
    const org = await store.organisations.create({ name: 'Org', slug: unique('org') });
    const user = await store.users.create({ email: `${unique('user')}@x.test` });
    return { org, user };
  }

  it('adds a membership and reads it back', async () => {
    const { org, user } = await orgAndUser();
    const m = await atTime(1_700_000_000_000, () => store.memberships.add(user.id, org.id, 'admin'));
    expect(m).toEqual({
      userId: user.id,
      organisationId: org.id,
      role: 'admin',
      createdAt: 1_700_000_000_000,
    });
    expect(await store.memberships.get(user.id, org.id)).toEqual(m);
  });

  it('returns undefined for a membership that does not exist', async () => {
    const { org, user } = await orgAndUser();
    expect(await store.memberships.get(user.id, org.id)).toBeUndefined();
  });

  it("lists a user's memberships in the order they were added, and no one else's", async () => {
    const { user } = await orgAndUser();
    const other = await store.users.create({ email: `${unique('other')}@x.test` });
    const first = await store.organisations.create({ name: 'First', slug: unique('first') });
    const second = await store.organisations.create({ name: 'Second', slug: unique('second') });
    await atTime(1_700_000_002_000, () => store.memberships.add(user.id, second.id, 'admin'));
    await atTime(1_700_000_001_000, () => store.memberships.add(user.id, first.id, 'member'));
    await store.memberships.add(other.id, first.id, 'member');
    expect(await store.memberships.listForUser(user.id)).toEqual([
      { userId: user.id, organisationId: first.id, role: 'member', createdAt: 1_700_000_001_000 },
      { userId: user.id, organisationId: second.id, role: 'admin', createdAt: 1_700_000_002_000 },
    ]);
  });

  it('changes the role of a membership', async () => {
    const { org, user } = await orgAndUser();
    await store.memberships.add(user.id, org.id, 'member');
    await store.memberships.setRole(user.id, org.id, 'admin');
    expect(await store.memberships.get(user.id, org.id)).toMatchObject({ role: 'admin' });
  });

  it('rejects a duplicate membership with a conflict and keeps the original role', async () => {
    const { org, user } = await orgAndUser();
    await store.memberships.add(user.id, org.id, 'member');
    await expectStoreError(store.memberships.add(user.id, org.id, 'admin'), 'conflict');
    expect(await store.memberships.get(user.id, org.id)).toMatchObject({ role: 'member' });
  });

  it('rejects a membership for a missing user or organisation with reference_missing', async () => {
    const { org, user } = await orgAndUser();
    await expectStoreError(
      store.memberships.add('00000000-0000-0000-0000-000000000000', org.id, 'member'),
      'reference_missing',
    );
    await expectStoreError(
      store.memberships.add(user.id, '00000000-0000-0000-0000-000000000000', 'member'),
      'reference_missing',
    );
    expect(await store.memberships.listForUser(user.id)).toEqual([]);
  });

  it('removes a membership and reports whether anything was removed', async () => {
    const { org, user } = await orgAndUser();
    await store.memberships.add(user.id, org.id, 'member');
    expect(await store.memberships.remove(user.id, org.id)).toBe(true);
    expect(await store.memberships.get(user.id, org.id)).toBeUndefined();
    expect(await store.memberships.remove(user.id, org.id)).toBe(false);
  });

  it("removes the user's group memberships in that organisation but not in other organisations", async () => {
    const { org, user } = await orgAndUser();
    const otherOrg = await store.organisations.create({ name: 'Other', slug: unique('otherorg') });
    const colleague = await store.users.create({ email: `${unique('colleague')}@x.test` });
    await store.memberships.add(user.id, org.id, 'member');
    await store.memberships.add(user.id, otherOrg.id, 'member');
    await store.memberships.add(colleague.id, org.id, 'member');
    const groupA = await store.groups.create(org.id, { name: 'A' });
    const groupB = await store.groups.create(org.id, { name: 'B' });
    const otherGroup = await store.groups.create(otherOrg.id, { name: 'Elsewhere' });
    await store.groups.addMember(groupA.id, user.id, 'manual');
    await store.groups.addMember(groupB.id, user.id, 'sso');
    await store.groups.addMember(otherGroup.id, user.id, 'manual');
    await store.groups.addMember(groupA.id, colleague.id, 'manual');

    expect(await store.memberships.remove(user.id, org.id)).toBe(true);

    expect(await store.groups.listForUser(user.id, org.id)).toEqual([]);
    expect((await store.groups.listForUser(user.id)).map((g) => g.id)).toEqual([otherGroup.id]);
    expect(await store.memberships.get(user.id, otherOrg.id)).toBeDefined();
    expect((await store.groups.listMembers(groupA.id)).map((m) => m.userId)).toEqual([colleague.id]);
  });
});
