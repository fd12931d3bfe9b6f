import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Organisation } from '../../src/store/repositories/organisations.ts';
import type { OrganisationUser } from '../../src/store/repositories/users.ts';
import type { Store } from '../../src/store/store.ts';
import { ENGINES } from '../support/databases.ts';
import { atTime, expectStoreError, openTestStore, type StoreUnderTest, unique } from './helpers.ts';

/** Follows nextCursor from the first page to the last, returning every page. */
async function walkOrganisations(
  store: Store,
  opts: { limit: number; onlyIds?: string[] },
): Promise<Organisation[][]> {
  const pages: Organisation[][] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 1000; i += 1) {
    const page = await store.organisations.list({ ...opts, ...(cursor ? { cursor } : {}) });
    pages.push(page.items);
    if (page.nextCursor === null) return pages;
    cursor = page.nextCursor;
  }
  throw new Error('pagination did not terminate');
}

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

describe.each(ENGINES)('organisations repository (%s)', (engine) => {
  let t: StoreUnderTest;
  let store: Store;
  beforeAll(async () => {
    t = await openTestStore(engine);
    store = t.store;
  });
  afterAll(() => t.close());

  it('creates an organisation and reads it back by id and by slug', async () => {
    const slug = unique('acme');
    const created = await atTime(1_700_000_000_000, () =>
      store.organisations.create({ name: 'Acme Ltd', slug }),
    );
    expect(created).toEqual({
      id: expect.any(String),
      name: 'Acme Ltd',
      slug,
      createdAt: 1_700_000_000_000,
      updatedAt: 1_700_000_000_000,
    });
    expect(await store.organisations.get(created.id)).toEqual(created);
    expect(await store.organisations.getBySlug(slug)).toEqual(created);
  });

  it('returns undefined for an unknown id or slug', async () => {
    expect(await store.organisations.get('00000000-0000-0000-0000-000000000000')).toBeUndefined();
    expect(await store.organisations.getBySlug(unique('missing'))).toBeUndefined();
  });

  it('rejects a duplicate slug with a conflict and keeps the first organisation', async () => {
    const slug = unique('dup');
    const first = await store.organisations.create({ name: 'First', slug });
    await expectStoreError(store.organisations.create({ name: 'Second', slug }), 'conflict');
    expect(await store.organisations.getBySlug(slug)).toEqual(first);
  });

  it('walks every organisation exactly once, in slug order, when following nextCursor', async () => {
    const prefix = unique('page');
    // Created out of order so that creation order cannot stand in for slug order.
    for (const letter of ['d', 'a', 'g', 'c', 'f', 'b', 'e']) {
      await store.organisations.create({ name: `Org ${letter}`, slug: `${prefix}-${letter}` });
    }
    const everything = await store.organisations.list({ limit: 10_000 });
    expect(everything.nextCursor).toBeNull();

    const pages = await walkOrganisations(store, { limit: 3 });
    for (const page of pages.slice(0, -1)) expect(page).toHaveLength(3);
    const walked = pages.flat();
    expect(walked.map((o) => o.id)).toEqual(everything.items.map((o) => o.id));
    expect(new Set(walked.map((o) => o.id)).size).toBe(walked.length);
    const slugs = walked.map((o) => o.slug);
    expect(slugs).toEqual([...slugs].sort());
    expect(slugs.filter((s) => s.startsWith(prefix))).toEqual(
      ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((l) => `${prefix}-${l}`),
    );
  });

  it('restricts the list to onlyIds and pages through just those', async () => {
    const prefix = unique('only');
    const orgs: Organisation[] = [];
    for (const letter of ['e', 'c', 'a', 'd', 'b']) {
      orgs.push(await store.organisations.create({ name: letter, slug: `${prefix}-${letter}` }));
    }
    const chosen = orgs.filter((o) => o.slug !== `${prefix}-c`);
    const pages = await walkOrganisations(store, { limit: 2, onlyIds: chosen.map((o) => o.id) });
    expect(pages.map((p) => p.map((o) => o.slug))).toEqual([
      [`${prefix}-a`, `${prefix}-b`],
      [`${prefix}-d`, `${prefix}-e`],
    ]);
  });

  it('returns no next cursor when the last page is exactly full', async () => {
    const prefix = unique('exact');
    const a = await store.organisations.create({ name: 'a', slug: `${prefix}-a` });
    const b = await store.organisations.create({ name: 'b', slug: `${prefix}-b` });
    const page = await store.organisations.list({ limit: 2, onlyIds: [a.id, b.id] });
    expect(page.items.map((o) => o.id)).toEqual([a.id, b.id]);
    expect(page.nextCursor).toBeNull();
  });

  it('returns an empty page for an empty onlyIds list even though organisations exist', async () => {
    await store.organisations.create({ name: 'exists', slug: unique('exists') });
    expect((await store.organisations.list({ limit: 10 })).items.length).toBeGreaterThan(0);
    expect(await store.organisations.list({ limit: 10, onlyIds: [] })).toEqual({
      items: [],
      nextCursor: null,
    });
    expect(
      await store.organisations.list({ limit: 10, onlyIds: ['00000000-0000-0000-0000-000000000000'] }),
    ).toEqual({ items: [], nextCursor: null });
  });

  it('updates the name and slug, moving the slug lookup and the updatedAt stamp', async () => {
    const oldSlug = unique('old');
    const newSlug = unique('new');
    const org = await atTime(1_700_000_000_000, () =>
      store.organisations.create({ name: 'Old', slug: oldSlug }),
    );
    const updated = await atTime(1_700_000_005_000, () =>
      store.organisations.update(org.id, { name: 'New', slug: newSlug }),
    );
    expect(updated).toEqual({ ...org, name: 'New', slug: newSlug, updatedAt: 1_700_000_005_000 });
    expect(await store.organisations.getBySlug(oldSlug)).toBeUndefined();
    expect(await store.organisations.getBySlug(newSlug)).toEqual(updated);

    const renamedOnly = await store.organisations.update(org.id, { name: 'Newer' });
    expect(renamedOnly).toMatchObject({ name: 'Newer', slug: newSlug });
  });

  it('rejects an update to a slug that is taken with a conflict and leaves the row unchanged', async () => {
    const taken = await store.organisations.create({ name: 'Taken', slug: unique('taken') });
    const org = await store.organisations.create({ name: 'Mine', slug: unique('mine') });
    await expectStoreError(store.organisations.update(org.id, { slug: taken.slug }), 'conflict');
    expect(await store.organisations.get(org.id)).toEqual(org);
  });

  it('returns undefined when updating an organisation that does not exist', async () => {
    expect(
      await store.organisations.update('00000000-0000-0000-0000-000000000000', { name: 'x' }),
    ).toBeUndefined();
  });

  it('deletes an organisation with its memberships, groups, group memberships, domains and API keys', async () => {
    const doomed = await store.organisations.create({ name: 'Doomed', slug: unique('doomed') });
    const other = await store.organisations.create({ name: 'Other', slug: unique('other') });
    const user = await store.users.create({ email: `${unique('member')}@cascade.test` });
    await store.memberships.add(user.id, doomed.id, 'member');
    await store.memberships.add(user.id, other.id, 'admin');
    const doomedGroup = await store.groups.create(doomed.id, { name: 'Doomed group' });
    const otherGroup = await store.groups.create(other.id, { name: 'Other group' });
    await store.groups.addMember(doomedGroup.id, user.id, 'manual');
    await store.groups.addMember(otherGroup.id, user.id, 'sso');
    const domainName = `${unique('cascade')}.test`;
    const domain = await store.domains.create(doomed.id, { domain: domainName });
    const orgKey = await store.apiKeys.create({
      id: unique('key'),
      name: 'org key',
      secretHash: 'hash',
      organisationId: doomed.id,
      role: 'admin',
    });
    const instanceKey = await store.apiKeys.create({
      id: unique('key'),
      name: 'instance key',
      secretHash: 'hash',
      organisationId: null,
      role: 'admin',
    });

    expect(await store.organisations.delete(doomed.id)).toBe(true);

    expect(await store.organisations.get(doomed.id)).toBeUndefined();
    expect(await store.memberships.get(user.id, doomed.id)).toBeUndefined();
    expect(await store.groups.get(doomed.id, doomedGroup.id)).toBeUndefined();
    expect(await store.groups.listMembers(doomedGroup.id)).toEqual([]);
    expect(await store.domains.get(doomed.id, domain.id)).toBeUndefined();
    expect(await store.domains.getByDomain(domainName)).toBeUndefined();
    expect(await store.apiKeys.get(orgKey.id)).toBeUndefined();
    expect(await store.apiKeys.list(doomed.id)).toEqual([]);

    // What belongs to the user, another organisation or the instance survives.
    expect(await store.users.get(user.id)).toEqual(user);
    expect(await store.memberships.get(user.id, other.id)).toMatchObject({ role: 'admin' });
    expect((await store.groups.listForUser(user.id)).map((g) => g.id)).toEqual([otherGroup.id]);
    expect(await store.apiKeys.get(instanceKey.id)).toEqual(instanceKey);
  });

  it('reports whether delete removed anything', async () => {
    const org = await store.organisations.create({ name: 'Once', slug: unique('once') });
    expect(await store.organisations.delete(org.id)).toBe(true);
    expect(await store.organisations.delete(org.id)).toBe(false);
  });
});

describe.each(ENGINES)('users repository (%s)', (engine) => {
  let t: StoreUnderTest;
  let store: Store;
  beforeAll(async () => {
    t = await openTestStore(engine);
    store = t.store;
  });
  afterAll(() => t.close());

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

describe.each(ENGINES)('memberships repository (%s)', (engine) => {
  let t: StoreUnderTest;
  let store: Store;
  beforeAll(async () => {
    t = await openTestStore(engine);
    store = t.store;
  });
  afterAll(() => t.close());

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
