/** The API keys repository: creating, reading, listing, revoking and touching keys (both engines). */
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.ts';
import { ENGINES } from '../support/databases.ts';
import { atTime, unique, withTestStore } from './helpers.ts';

describe.each(ENGINES)('apiKeys repository (%s)', (engine) => {
  let store: Store;
  withTestStore(engine, (opened) => {
    store = opened;
  });

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
