/**
 * The users repository: creating, finding by email regardless of case, updating, passwords, attributes and
 * deleting users, and listing and searching an organisation's members (both engines).
 */
import { describe, expect, it } from 'vitest';
import type { OrganisationUser } from '../../src/store/repositories/users.ts';
import type { Store } from '../../src/store/store.ts';
import { ENGINES } from '../support/databases.ts';
import { atTime, expectStoreError, unique, withTestStore } from './helpers.ts';

async function walkMembers(
  store: Store,
  organisationId: string,
  opts: { limit: number; search?: string },
): Promise<OrganisationUser[][]> {
  const pages: OrganisationUser[][] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 1000; i += 1) {
    const page = await store.users.listInOrganisation(organisationId, {
      ...opts,
      ...(cursor ? { cursor } : {}),
    });
    pages.push(page.items);
    if (page.nextCursor === null) return pages;
    cursor = page.nextCursor;
  }
  throw new Error('pagination did not terminate');
}

describe.each(ENGINES)('users repository (%s)', (engine) => {
  let store: Store;
  withTestStore(engine, (opened) => {
    store = opened;
  });

  it('creates a user with defaults and reads it back by id', async () => {
    const email = `${unique('plain')}@example.test`;
    const user = await atTime(1_700_000_000_000, () => store.users.create({ email }));
    expect(user).toEqual({
      id: expect.any(String),
      email,
      firstName: '',
      lastName: '',
      disabled: false,
      isInstanceAdmin: false,
      hasPassword: false,
      attributes: {},
      createdAt: 1_700_000_000_000,
      updatedAt: 1_700_000_000_000,
    });
    expect(await store.users.get(user.id)).toEqual(user);
  });

  it('stores names, the instance admin flag and the password hash given at creation', async () => {
    const user = await store.users.create({
      email: `${unique('full')}@example.test`,
      firstName: 'Grace',
      lastName: 'Hopper',
      passwordHash: '$argon2id$v=19$fake',
      isInstanceAdmin: true,
    });
    expect(await store.users.get(user.id)).toMatchObject({
      firstName: 'Grace',
      lastName: 'Hopper',
      isInstanceAdmin: true,
      hasPassword: true,
    });
    expect(await store.users.getPasswordHash(user.id)).toBe('$argon2id$v=19$fake');
  });

  it('keeps the original casing of the email but trims surrounding whitespace', async () => {
    const local = `MiXeD-${unique('m')}`;
    const user = await store.users.create({ email: `  ${local}@Example.TEST ` });
    expect(user.email).toBe(`${local}@Example.TEST`);
    expect((await store.users.get(user.id))?.email).toBe(`${local}@Example.TEST`);
  });

  it('rejects an email that differs only in case with a conflict', async () => {
    const local = unique('alice');
    const first = await store.users.create({ email: `Alice-${local}@X.test` });
    await expectStoreError(store.users.create({ email: `alice-${local}@x.test` }), 'conflict');
    await expectStoreError(store.users.create({ email: ` ALICE-${local.toUpperCase()}@X.TEST` }), 'conflict');
    expect(await store.users.getByEmail(`alice-${local}@x.test`)).toEqual(first);
  });

  it('treats composed and decomposed accents in an email as the same address', async () => {
    const local = unique('jose');
    await store.users.create({ email: `${local}-jos\u00e9@example.test` });
    await expectStoreError(store.users.create({ email: `${local}-jose\u0301@example.test` }), 'conflict');
  });

  it('finds a user by email regardless of case and surrounding whitespace', async () => {
    const local = unique('bob');
    const user = await store.users.create({ email: `Bob-${local}@Example.test` });
    expect(await store.users.getByEmail(`bob-${local}@example.test`)).toEqual(user);
    expect(await store.users.getByEmail(` BOB-${local.toUpperCase()}@EXAMPLE.TEST `)).toEqual(user);
    expect(await store.users.getByEmail(`nobody-${local}@example.test`)).toBeUndefined();
  });

  it('updates the first name alone', async () => {
    const user = await store.users.create({ email: `${unique('u')}@x.test`, firstName: 'A', lastName: 'B' });
    const updated = await store.users.update(user.id, { firstName: 'Ann' });
    expect(updated).toMatchObject({ firstName: 'Ann', lastName: 'B', disabled: false, hasPassword: false });
    expect(await store.users.get(user.id)).toEqual(updated);
  });

  it('updates the last name alone', async () => {
    const user = await store.users.create({ email: `${unique('u')}@x.test`, firstName: 'A', lastName: 'B' });
    expect(await store.users.update(user.id, { lastName: 'Baker' })).toMatchObject({
      firstName: 'A',
      lastName: 'Baker',
    });
  });

  it('disables and re-enables a user', async () => {
    const user = await store.users.create({ email: `${unique('u')}@x.test` });
    expect(await store.users.update(user.id, { disabled: true })).toMatchObject({ disabled: true });
    expect(await store.users.get(user.id)).toMatchObject({ disabled: true });
    expect(await store.users.update(user.id, { disabled: false })).toMatchObject({ disabled: false });
  });

  it('sets and clears the password hash', async () => {
    const user = await store.users.create({ email: `${unique('u')}@x.test` });
    expect(await store.users.getPasswordHash(user.id)).toBeNull();
    expect(await store.users.update(user.id, { passwordHash: 'hash-1' })).toMatchObject({
      hasPassword: true,
    });
    expect(await store.users.getPasswordHash(user.id)).toBe('hash-1');
    expect(await store.users.update(user.id, { passwordHash: null })).toMatchObject({ hasPassword: false });
    expect(await store.users.getPasswordHash(user.id)).toBeNull();
  });

  it('returns a null password hash for an unknown user', async () => {
    expect(await store.users.getPasswordHash('00000000-0000-0000-0000-000000000000')).toBeNull();
  });

  it('round-trips nested JSON attributes on create and replaces them on update', async () => {
    const attributes = {
      department: 'R&D',
      level: 3,
      ratio: 0.25,
      manager: null,
      remote: true,
      tags: ['a', 'b', 'ü', '"quoted"'],
      nested: { deeper: { emoji: '🔑', empty: {} } },
    };
    const user = await store.users.create({ email: `${unique('attrs')}@x.test`, attributes });
    expect((await store.users.get(user.id))?.attributes).toEqual(attributes);
    const replaced = { team: 'platform' };
    expect((await store.users.update(user.id, { attributes: replaced }))?.attributes).toEqual(replaced);
    expect((await store.users.get(user.id))?.attributes).toEqual(replaced);
  });

  it('moves updatedAt on update and leaves createdAt and unpatched fields alone', async () => {
    const user = await atTime(1_700_000_000_000, () =>
      store.users.create({ email: `${unique('stamp')}@x.test`, firstName: 'F', attributes: { k: 1 } }),
    );
    const updated = await atTime(1_700_000_009_000, () => store.users.update(user.id, { lastName: 'L' }));
    expect(updated).toEqual({ ...user, lastName: 'L', updatedAt: 1_700_000_009_000 });
  });

  it('returns undefined when updating a user that does not exist', async () => {
    expect(
      await store.users.update('00000000-0000-0000-0000-000000000000', { firstName: 'x' }),
    ).toBeUndefined();
  });

  it('deletes a user together with their memberships', async () => {
    const org = await store.organisations.create({ name: 'Del', slug: unique('deluser') });
    const user = await store.users.create({ email: `${unique('gone')}@x.test` });
    await store.memberships.add(user.id, org.id, 'member');
    expect(await store.users.delete(user.id)).toBe(true);
    expect(await store.users.get(user.id)).toBeUndefined();
    expect(await store.memberships.get(user.id, org.id)).toBeUndefined();
    expect(await store.users.delete(user.id)).toBe(false);
  });

  describe('listInOrganisation', () => {
    it('lists only the members of the organisation, ordered by email, with their role', async () => {
      const org = await store.organisations.create({ name: 'Members', slug: unique('members') });
      const outsiderOrg = await store.organisations.create({ name: 'Outsiders', slug: unique('outsiders') });
      const tag = unique('m');
      const carol = await store.users.create({ email: `Carol-${tag}@x.test` });
      const alice = await store.users.create({ email: `alice-${tag}@x.test` });
      const bob = await store.users.create({ email: `BOB-${tag}@x.test` });
      const outsider = await store.users.create({ email: `aaron-${tag}@x.test` });
      await store.memberships.add(carol.id, org.id, 'member');
      await store.memberships.add(alice.id, org.id, 'admin');
      await store.memberships.add(bob.id, org.id, 'member');
      await store.memberships.add(outsider.id, outsiderOrg.id, 'admin');

      const page = await store.users.listInOrganisation(org.id, { limit: 10 });
      expect(page.nextCursor).toBeNull();
      expect(page.items.map((u) => [u.email, u.role])).toEqual([
        [`alice-${tag}@x.test`, 'admin'],
        [`BOB-${tag}@x.test`, 'member'],
        [`Carol-${tag}@x.test`, 'member'],
      ]);
      expect(page.items[0]).toEqual({ ...alice, role: 'admin' });
    });

    it('walks all members exactly once when following nextCursor', async () => {
      const org = await store.organisations.create({ name: 'Paged', slug: unique('paged') });
      const tag = unique('p');
      const emails = ['e', 'b', 'd', 'a', 'c'].map((l) => `${l}-${tag}@x.test`);
      for (const email of emails) {
        const u = await store.users.create({ email });
        await store.memberships.add(u.id, org.id, 'member');
      }
      const pages = await walkMembers(store, org.id, { limit: 2 });
      expect(pages.map((p) => p.map((u) => u.email))).toEqual([
        [`a-${tag}@x.test`, `b-${tag}@x.test`],
        [`c-${tag}@x.test`, `d-${tag}@x.test`],
        [`e-${tag}@x.test`],
      ]);
    });

    it('searches emails case-insensitively by substring', async () => {
      const org = await store.organisations.create({ name: 'Search', slug: unique('search') });
      const tag = unique('s');
      const match = await store.users.create({ email: `Zelda.Fitz-${tag}@Hyrule.test` });
      const miss = await store.users.create({ email: `link-${tag}@hyrule.test` });
      await store.memberships.add(match.id, org.id, 'member');
      await store.memberships.add(miss.id, org.id, 'member');

      const found = await store.users.listInOrganisation(org.id, { limit: 10, search: 'ZELDA.fitz' });
      expect(found.items.map((u) => u.id)).toEqual([match.id]);
      const both = await store.users.listInOrganisation(org.id, { limit: 10, search: 'HYRULE' });
      expect(both.items.map((u) => u.id).sort()).toEqual([match.id, miss.id].sort());
    });

    it('searches first and last names case-insensitively, across the space between them', async () => {
      const org = await store.organisations.create({ name: 'Names', slug: unique('names') });
      const ada = await store.users.create({
        email: `${unique('u1')}@x.test`,
        firstName: 'Ada',
        lastName: 'Lovelace',
      });
      const alan = await store.users.create({
        email: `${unique('u2')}@x.test`,
        firstName: 'Alan',
        lastName: 'Turing',
      });
      await store.memberships.add(ada.id, org.id, 'member');
      await store.memberships.add(alan.id, org.id, 'member');

      const byLast = await store.users.listInOrganisation(org.id, { limit: 10, search: 'LOVELACE' });
      expect(byLast.items.map((u) => u.id)).toEqual([ada.id]);
      const byFirst = await store.users.listInOrganisation(org.id, { limit: 10, search: 'alan' });
      expect(byFirst.items.map((u) => u.id)).toEqual([alan.id]);
      const byFull = await store.users.listInOrganisation(org.id, { limit: 10, search: 'ada love' });
      expect(byFull.items.map((u) => u.id)).toEqual([ada.id]);
      const none = await store.users.listInOrganisation(org.id, { limit: 10, search: 'hopper' });
      expect(none).toEqual({ items: [], nextCursor: null });
    });

    it('searches names with non-ASCII letters case-insensitively', async () => {
      const org = await store.organisations.create({ name: 'Accents', slug: unique('accents') });
      const emile = await store.users.create({
        email: `${unique('ez')}@x.test`,
        firstName: '\u00c9mile',
        lastName: '\u00d6ZT\u00dcRK',
      });
      const other = await store.users.create({
        email: `${unique('em')}@x.test`,
        firstName: 'Emile',
        lastName: 'Ozturk',
      });
      await store.memberships.add(emile.id, org.id, 'member');
      await store.memberships.add(other.id, org.id, 'member');

      const ids = async (search: string) =>
        (await store.users.listInOrganisation(org.id, { limit: 10, search })).items.map((u) => u.id);
      expect(await ids('\u00e9mile')).toEqual([emile.id]);
      expect(await ids('\u00c9MILE')).toEqual([emile.id]);
      expect(await ids('\u00f6zt\u00fcrk')).toEqual([emile.id]);
    });

    it('matches LIKE wildcards and backslashes in the search text literally', async () => {
      const org = await store.organisations.create({ name: 'Wild', slug: unique('wild') });
      const tag = unique('w');
      const underscore = await store.users.create({ email: `under_score-${tag}@x.test` });
      const percent = await store.users.create({
        email: `${unique('pc')}@x.test`,
        firstName: '100%',
        lastName: 'Sure',
      });
      const backslash = await store.users.create({
        email: `${unique('bs')}@x.test`,
        firstName: 'Back\\slash',
      });
      const plain = await store.users.create({ email: `plainuser-${tag}@x.test`, firstName: 'Plain' });
      for (const u of [underscore, percent, backslash, plain])
        await store.memberships.add(u.id, org.id, 'member');

      const ids = async (search: string) =>
        (await store.users.listInOrganisation(org.id, { limit: 10, search })).items.map((u) => u.id);
      expect(await ids('_')).toEqual([underscore.id]);
      expect(await ids('%')).toEqual([percent.id]);
      expect(await ids('\\')).toEqual([backslash.id]);
      // `_` would match any single character, `%` any run, if they were not escaped.
      expect(await ids('under_s')).toEqual([underscore.id]);
      expect(await ids('100%')).toEqual([percent.id]);
      expect(await ids('p_ain')).toEqual([]);
      expect(await ids('pl%user')).toEqual([]);
    });

    it('pages through search results with the cursor', async () => {
      const org = await store.organisations.create({ name: 'SearchPaged', slug: unique('searchpaged') });
      const tag = unique('sp');
      for (const l of ['a', 'b', 'c', 'd']) {
        const hit = await store.users.create({ email: `${l}-hit-${tag}@x.test` });
        const miss = await store.users.create({ email: `${l}-miss-${tag}@x.test` });
        await store.memberships.add(hit.id, org.id, 'member');
        await store.memberships.add(miss.id, org.id, 'member');
      }
      const pages = await walkMembers(store, org.id, { limit: 3, search: 'HIT' });
      expect(pages.map((p) => p.map((u) => u.email))).toEqual([
        [`a-hit-${tag}@x.test`, `b-hit-${tag}@x.test`, `c-hit-${tag}@x.test`],
        [`d-hit-${tag}@x.test`],
      ]);
    });
  });
});
