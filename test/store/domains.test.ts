/**
 * The domains repository: an organisation's email domains, stored normalised, unique across organisations,
 * and kept apart per organisation (both engines).
 */
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.ts';
import { ENGINES } from '../support/databases.ts';
import { atTime, expectStoreError, MISSING_ID, unique, withTestStore } from './helpers.ts';

describe.each(ENGINES)('domains repository (%s)', (engine) => {
  let store: Store;
  withTestStore(engine, (opened) => {
    store = opened;
  });

  const newOrg = () => store.organisations.create({ name: 'Org', slug: unique('org') });
  const newDomainName = () => `${unique('corp')}.example`;

  it('stores the domain lowercase without a trailing dot, unverified, with a verification token', async () => {
    const org = await newOrg();
    const name = newDomainName();
    const domain = await atTime(1_700_000_000_000, () =>
      store.domains.create(org.id, { domain: `  ${name.toUpperCase()}. ` }),
    );
    expect(domain).toEqual({
      id: expect.any(String),
      organisationId: org.id,
      domain: name,
      verified: false,
      enforceSso: false,
      verificationToken: expect.stringMatching(/^[A-Za-z0-9_-]{16,}$/),
      createdAt: 1_700_000_000_000,
      updatedAt: 1_700_000_000_000,
    });
    expect(await store.domains.get(org.id, domain.id)).toEqual(domain);
  });

  it('gives each domain its own verification token', async () => {
    const org = await newOrg();
    const a = await store.domains.create(org.id, { domain: newDomainName() });
    const b = await store.domains.create(org.id, { domain: newDomainName() });
    expect(a.verificationToken).not.toBe(b.verificationToken);
  });

  it('stores verified and enforceSso given at creation', async () => {
    const org = await newOrg();
    const d = await store.domains.create(org.id, {
      domain: newDomainName(),
      verified: true,
      enforceSso: true,
    });
    expect(await store.domains.get(org.id, d.id)).toMatchObject({ verified: true, enforceSso: true });
  });

  it('rejects a domain another organisation claims, in any casing, with a conflict', async () => {
    const first = await newOrg();
    const second = await newOrg();
    const name = newDomainName();
    const claimed = await store.domains.create(first.id, { domain: name });
    await expectStoreError(store.domains.create(second.id, { domain: `${name.toUpperCase()}.` }), 'conflict');
    await expectStoreError(store.domains.create(first.id, { domain: name }), 'conflict');
    expect(await store.domains.getByDomain(name)).toEqual(claimed);
    expect(await store.domains.list(second.id)).toEqual([]);
  });

  it('rejects a domain for a missing organisation with reference_missing', async () => {
    await expectStoreError(
      store.domains.create(MISSING_ID, { domain: newDomainName() }),
      'reference_missing',
    );
  });

  it('finds a domain regardless of case and trailing dot', async () => {
    const org = await newOrg();
    const name = newDomainName();
    const d = await store.domains.create(org.id, { domain: name });
    expect(await store.domains.getByDomain(name.toUpperCase())).toEqual(d);
    expect(await store.domains.getByDomain(`${name}.`)).toEqual(d);
    expect(await store.domains.getByDomain(`other-${name}`)).toBeUndefined();
  });

  it("lists the organisation's domains ordered by domain", async () => {
    const org = await newOrg();
    const other = await newOrg();
    const tag = unique('list');
    const b = await store.domains.create(org.id, { domain: `b-${tag}.example` });
    const a = await store.domains.create(org.id, { domain: `a-${tag}.example` });
    await store.domains.create(other.id, { domain: `c-${tag}.example` });
    expect(await store.domains.list(org.id)).toEqual([a, b]);
  });

  it('updates verified and enforceSso independently and moves updatedAt', async () => {
    const org = await newOrg();
    const d = await atTime(1_700_000_000_000, () =>
      store.domains.create(org.id, { domain: newDomainName() }),
    );
    const verified = await atTime(1_700_000_002_000, () =>
      store.domains.update(org.id, d.id, { verified: true }),
    );
    expect(verified).toEqual({ ...d, verified: true, updatedAt: 1_700_000_002_000 });
    const enforced = await store.domains.update(org.id, d.id, { enforceSso: true });
    expect(enforced).toMatchObject({
      verified: true,
      enforceSso: true,
      verificationToken: d.verificationToken,
    });
    const relaxed = await store.domains.update(org.id, d.id, { verified: false, enforceSso: false });
    expect(relaxed).toMatchObject({ verified: false, enforceSso: false });
    expect(await store.domains.get(org.id, d.id)).toEqual(relaxed);
  });

  it("does not let one organisation read, update or delete another organisation's domain", async () => {
    const owner = await newOrg();
    const intruder = await newOrg();
    const d = await store.domains.create(owner.id, { domain: newDomainName() });
    expect(await store.domains.get(intruder.id, d.id)).toBeUndefined();
    expect(
      await store.domains.update(intruder.id, d.id, { verified: true, enforceSso: true }),
    ).toBeUndefined();
    expect(await store.domains.delete(intruder.id, d.id)).toBe(false);
    expect(await store.domains.get(owner.id, d.id)).toEqual(d);
  });

  it('deletes a domain, freeing it for another organisation', async () => {
    const first = await newOrg();
    const second = await newOrg();
    const name = newDomainName();
    const d = await store.domains.create(first.id, { domain: name });
    expect(await store.domains.delete(first.id, d.id)).toBe(true);
    expect(await store.domains.getByDomain(name)).toBeUndefined();
    expect(await store.domains.delete(first.id, d.id)).toBe(false);
    const again = await store.domains.create(second.id, { domain: name });
    expect(await store.domains.getByDomain(name)).toEqual(again);
  });
});
