/**
 * The organisations repository: creating, finding by id and slug, listing page by page, updating, and
 * deleting an organisation together with what belongs to it (both engines).
 */
import { describe, expect, it } from 'vitest';
import type { Organisation } from '../../src/store/repositories/organisations.ts';
import type { Store } from '../../src/store/store.ts';
import { ENGINES } from '../support/databases.ts';
import { atTime, expectStoreError, unique, withTestStore } from './helpers.ts';

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

describe.each(ENGINES)('organisations repository (%s)', (engine) => {
  let store: Store;
  withTestStore(engine, (opened) => {
    store = opened;
  });

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
