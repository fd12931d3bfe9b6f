/**
 * The groups repository: groups of an organisation, their external ids and members, and each organisation's
 * groups kept apart (both engines).
 */
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.ts';
import { ENGINES } from '../support/databases.ts';
import { atTime, expectStoreError, MISSING_ID, unique, withTestStore } from './helpers.ts';

describe.each(ENGINES)('groups repository (%s)', (engine) => {
  let store: Store;
  withTestStore(engine, (opened) => {
    store = opened;
  });

  const newOrg = () => store.organisations.create({ name: 'Org', slug: unique('org') });
  const newUser = (name = 'user') => store.users.create({ email: `${unique(name)}@x.test` });

  it('creates a group with defaults and reads it back', async () => {
    const org = await newOrg();
    const group = await atTime(1_700_000_000_000, () => store.groups.create(org.id, { name: 'Engineering' }));
    expect(group).toEqual({
      id: expect.any(String),
      organisationId: org.id,
      name: 'Engineering',
      externalId: null,
      addNewUsersByDefault: false,
      role: null,
      createdAt: 1_700_000_000_000,
      updatedAt: 1_700_000_000_000,
    });
    expect(await store.groups.get(org.id, group.id)).toEqual(group);
  });

  it('stores externalId, addNewUsersByDefault and role given at creation', async () => {
    const org = await newOrg();
    const group = await store.groups.create(org.id, {
      name: 'Admins',
      externalId: 'cn=admins',
      addNewUsersByDefault: true,
      role: 'admin',
    });
    expect(await store.groups.get(org.id, group.id)).toMatchObject({
      externalId: 'cn=admins',
      addNewUsersByDefault: true,
      role: 'admin',
    });
  });

  it('rejects a group for a missing organisation with reference_missing', async () => {
    await expectStoreError(store.groups.create(MISSING_ID, { name: 'Orphan' }), 'reference_missing');
  });

  it("lists only the organisation's groups, ordered by name", async () => {
    const org = await newOrg();
    const other = await newOrg();
    const c = await store.groups.create(org.id, { name: 'Charlie' });
    const a = await store.groups.create(org.id, { name: 'Alpha' });
    const b = await store.groups.create(org.id, { name: 'Bravo' });
    await store.groups.create(other.id, { name: 'Aardvark' });
    expect(await store.groups.list(org.id)).toEqual([a, b, c]);
  });

  it('updates each field and moves updatedAt', async () => {
    const org = await newOrg();
    const group = await atTime(1_700_000_000_000, () =>
      store.groups.create(org.id, { name: 'Old', externalId: 'old-ext', role: 'member' }),
    );
    const updated = await atTime(1_700_000_003_000, () =>
      store.groups.update(org.id, group.id, {
        name: 'New',
        externalId: 'new-ext',
        addNewUsersByDefault: true,
        role: 'admin',
      }),
    );
    expect(updated).toEqual({
      ...group,
      name: 'New',
      externalId: 'new-ext',
      addNewUsersByDefault: true,
      role: 'admin',
      updatedAt: 1_700_000_003_000,
    });
    expect(await store.groups.get(org.id, group.id)).toEqual(updated);

    const cleared = await store.groups.update(org.id, group.id, { externalId: null, role: null });
    expect(cleared).toMatchObject({ name: 'New', externalId: null, role: null, addNewUsersByDefault: true });
    const renamed = await store.groups.update(org.id, group.id, { name: 'Newer' });
    expect(renamed).toMatchObject({ name: 'Newer', externalId: null, addNewUsersByDefault: true });
  });

  it('deletes a group together with its memberships', async () => {
    const org = await newOrg();
    const user = await newUser();
    const group = await store.groups.create(org.id, { name: 'Temp' });
    await store.groups.addMember(group.id, user.id, 'manual');
    expect(await store.groups.delete(org.id, group.id)).toBe(true);
    expect(await store.groups.get(org.id, group.id)).toBeUndefined();
    expect(await store.groups.listMembers(group.id)).toEqual([]);
    expect(await store.groups.listForUser(user.id)).toEqual([]);
    expect(await store.groups.delete(org.id, group.id)).toBe(false);
  });

  it('rejects a second group with the same externalId in one organisation with a conflict', async () => {
    const org = await newOrg();
    await store.groups.create(org.id, { name: 'One', externalId: 'ext-1' });
    await expectStoreError(store.groups.create(org.id, { name: 'Two', externalId: 'ext-1' }), 'conflict');
    expect((await store.groups.list(org.id)).map((g) => g.name)).toEqual(['One']);
  });

  it('rejects an update to an externalId another group of the organisation has with a conflict', async () => {
    const org = await newOrg();
    await store.groups.create(org.id, { name: 'One', externalId: 'ext-1' });
    const two = await store.groups.create(org.id, { name: 'Two', externalId: 'ext-2' });
    await expectStoreError(store.groups.update(org.id, two.id, { externalId: 'ext-1' }), 'conflict');
    expect(await store.groups.get(org.id, two.id)).toEqual(two);
  });

  it('allows the same externalId in two organisations', async () => {
    const orgA = await newOrg();
    const orgB = await newOrg();
    const a = await store.groups.create(orgA.id, { name: 'A', externalId: 'shared' });
    const b = await store.groups.create(orgB.id, { name: 'B', externalId: 'shared' });
    expect(a.id).not.toBe(b.id);
    expect(await store.groups.listByExternalIds(orgA.id, ['shared'])).toEqual([a]);
    expect(await store.groups.listByExternalIds(orgB.id, ['shared'])).toEqual([b]);
  });

  it('allows several groups without an externalId in one organisation', async () => {
    const org = await newOrg();
    await store.groups.create(org.id, { name: 'N1' });
    await store.groups.create(org.id, { name: 'N2', externalId: null });
    await store.groups.create(org.id, { name: 'N3' });
    expect((await store.groups.list(org.id)).map((g) => [g.name, g.externalId])).toEqual([
      ['N1', null],
      ['N2', null],
      ['N3', null],
    ]);
  });

  it('finds groups by externalIds within the organisation only, ignoring unknown ids', async () => {
    const org = await newOrg();
    const other = await newOrg();
    const x = await store.groups.create(org.id, { name: 'X', externalId: 'x' });
    const y = await store.groups.create(org.id, { name: 'Y', externalId: 'y' });
    await store.groups.create(org.id, { name: 'Z', externalId: 'z' });
    await store.groups.create(org.id, { name: 'NoExt' });
    await store.groups.create(other.id, { name: 'OtherX', externalId: 'x' });
    const found = await store.groups.listByExternalIds(org.id, ['y', 'x', 'unknown']);
    expect(found.map((g) => g.id).sort()).toEqual([x.id, y.id].sort());
    expect(await store.groups.listByExternalIds(org.id, [])).toEqual([]);
  });

  it('finds the same groups for claim lists of every length, short (precompiled) or long (built each time), and inside a transaction', async () => {
    const org = await newOrg();
    const groups = [];
    for (let i = 0; i < 40; i++)
      groups.push(await store.groups.create(org.id, { name: `G${i}`, externalId: `ext-${i}` }));
    for (const n of [1, 2, 5, 31, 32, 40]) {
      // With an unknown id besides: 2, 3, 6, 32 (the longest precompiled), 33 and 41 ids.
      const ids = [...Array.from({ length: n }, (_, i) => `ext-${i}`), 'unknown'];
      const found = await store.groups.listByExternalIds(org.id, ids);
      expect(found.map((g) => g.name).sort(), `${ids.length} ids`).toEqual(
        groups
          .slice(0, n)
          .map((g) => g.name)
          .sort(),
      );
    }
    // Repeated ids find a group once.
    expect(await store.groups.listByExternalIds(org.id, ['ext-3', 'ext-3'])).toEqual([groups[3]]);
    // Within a transaction the query sees the transaction's own writes.
    const seen = await store.transaction(async (tx) => {
      const late = await tx.groups.create(org.id, { name: 'Late', externalId: 'late' });
      return { late, found: await tx.groups.listByExternalIds(org.id, ['late', 'ext-0']) };
    });
    expect(seen.found.map((g) => g.id).sort()).toEqual([seen.late.id, groups[0]!.id].sort());
  });

  it('lists only the default groups of the organisation', async () => {
    const org = await newOrg();
    const other = await newOrg();
    const d1 = await store.groups.create(org.id, { name: 'D1', addNewUsersByDefault: true });
    await store.groups.create(org.id, { name: 'NotDefault' });
    const d2 = await store.groups.create(org.id, { name: 'D2', addNewUsersByDefault: true });
    await store.groups.create(other.id, { name: 'OtherDefault', addNewUsersByDefault: true });
    const defaults = await store.groups.listDefaults(org.id);
    expect(defaults.map((g) => g.id).sort()).toEqual([d1.id, d2.id].sort());
    const plain = await store.groups.create(org.id, { name: 'LaterDefault' });
    await store.groups.update(org.id, plain.id, { addNewUsersByDefault: true });
    expect(await store.groups.listDefaults(org.id)).toHaveLength(3);
  });

  it('lists members ordered by email with the source of each membership', async () => {
    const org = await newOrg();
    const group = await store.groups.create(org.id, { name: 'G' });
    const tag = unique('gm');
    const zed = await store.users.create({ email: `Zed-${tag}@x.test` });
    const amy = await store.users.create({ email: `amy-${tag}@x.test` });
    await atTime(1_700_000_000_000, () => store.groups.addMember(group.id, zed.id, 'sso'));
    await atTime(1_700_000_001_000, () => store.groups.addMember(group.id, amy.id, 'manual'));
    expect(await store.groups.listMembers(group.id)).toEqual([
      { userId: amy.id, email: `amy-${tag}@x.test`, source: 'manual', createdAt: 1_700_000_001_000 },
      { userId: zed.id, email: `Zed-${tag}@x.test`, source: 'sso', createdAt: 1_700_000_000_000 },
    ]);
  });

  it('rejects adding the same user to a group twice with a conflict, keeping the first source', async () => {
    const org = await newOrg();
    const user = await newUser();
    const group = await store.groups.create(org.id, { name: 'G' });
    await store.groups.addMember(group.id, user.id, 'manual');
    await expectStoreError(store.groups.addMember(group.id, user.id, 'sso'), 'conflict');
    expect((await store.groups.listMembers(group.id)).map((m) => m.source)).toEqual(['manual']);
  });

  it('rejects a group membership for a missing user or group with reference_missing', async () => {
    const org = await newOrg();
    const user = await newUser();
    const group = await store.groups.create(org.id, { name: 'G' });
    await expectStoreError(store.groups.addMember(group.id, MISSING_ID, 'manual'), 'reference_missing');
    await expectStoreError(store.groups.addMember(MISSING_ID, user.id, 'manual'), 'reference_missing');
  });

  it('removes a membership of any source when no source is given', async () => {
    const org = await newOrg();
    const user = await newUser();
    const group = await store.groups.create(org.id, { name: 'G' });
    await store.groups.addMember(group.id, user.id, 'manual');
    expect(await store.groups.removeMember(group.id, user.id)).toBe(true);
    expect(await store.groups.listMembers(group.id)).toEqual([]);
    expect(await store.groups.removeMember(group.id, user.id)).toBe(false);
  });

  it("leaves a manual membership alone when removing with onlySource 'sso'", async () => {
    const org = await newOrg();
    const manualUser = await newUser('manual');
    const ssoUser = await newUser('sso');
    const group = await store.groups.create(org.id, { name: 'Synced' });
    await store.groups.addMember(group.id, manualUser.id, 'manual');
    await store.groups.addMember(group.id, ssoUser.id, 'sso');

    expect(await store.groups.removeMember(group.id, manualUser.id, 'sso')).toBe(false);
    expect(await store.groups.removeMember(group.id, ssoUser.id, 'sso')).toBe(true);
    expect(await store.groups.listMembers(group.id)).toEqual([
      expect.objectContaining({ userId: manualUser.id, source: 'manual' }),
    ]);
  });

  it('lists the groups of a user with their source, optionally within one organisation', async () => {
    const orgA = await newOrg();
    const orgB = await newOrg();
    const user = await newUser();
    const bystander = await newUser('bystander');
    const beta = await store.groups.create(orgA.id, { name: 'Beta' });
    const alpha = await store.groups.create(orgA.id, { name: 'Alpha' });
    const gamma = await store.groups.create(orgB.id, { name: 'Gamma' });
    const unrelated = await store.groups.create(orgA.id, { name: 'Unrelated' });
    await store.groups.addMember(beta.id, user.id, 'sso');
    await store.groups.addMember(alpha.id, user.id, 'manual');
    await store.groups.addMember(gamma.id, user.id, 'sso');
    await store.groups.addMember(unrelated.id, bystander.id, 'manual');

    expect(await store.groups.listForUser(user.id)).toEqual([
      { ...alpha, source: 'manual' },
      { ...beta, source: 'sso' },
      { ...gamma, source: 'sso' },
    ]);
    expect(await store.groups.listForUser(user.id, orgB.id)).toEqual([{ ...gamma, source: 'sso' }]);
  });

  it("does not let one organisation read, update or delete another organisation's group", async () => {
    const owner = await newOrg();
    const intruder = await newOrg();
    const group = await store.groups.create(owner.id, { name: 'Private', externalId: 'priv' });

    expect(await store.groups.get(intruder.id, group.id)).toBeUndefined();
    expect(await store.groups.update(intruder.id, group.id, { name: 'Hijacked' })).toBeUndefined();
    expect(await store.groups.delete(intruder.id, group.id)).toBe(false);
    expect(await store.groups.list(intruder.id)).toEqual([]);
    expect(await store.groups.listByExternalIds(intruder.id, ['priv'])).toEqual([]);
    expect(await store.groups.get(owner.id, group.id)).toEqual(group);
  });
});
