import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey, verifyApiKey } from '../../src/credentials/api-keys.ts';
import { hashPassword, verifyPassword } from '../../src/credentials/passwords.ts';
import { createSecretBox, loadMasterSecret, SecretBoxError } from '../../src/credentials/secret-box.ts';
import { checkSession, startSession } from '../../src/credentials/sessions.ts';
import { sha256Hex } from '../../src/credentials/tokens.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import { openTestDatabase } from '../support/databases.ts';

describe('stored digests', () => {
  it('sha256Hex is SHA-256 of the UTF-8 text in lowercase hex (FIPS 180-4 test vectors)', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    // UTF-8, not Latin-1: "é" is two bytes.
    expect(sha256Hex('é')).toBe('4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c');
  });
});

describe('secret box (secrets at rest)', () => {
  it('seals with AES-256-GCM: round-trips, differs each time, and refuses another key or a tampered box', () => {
    const box = createSecretBox('a'.repeat(32));
    const a = box.seal('client-secret');
    expect(a).not.toContain('client-secret');
    expect(box.seal('client-secret')).not.toBe(a);
    expect(box.open(a)).toBe('client-secret');
    expect(() => createSecretBox('b'.repeat(32)).open(a)).toThrow(SecretBoxError);
    const parts = a.split('.');
    parts[2] = `${parts[2]!.slice(0, -2)}AA`;
    expect(() => box.open(parts.join('.'))).toThrow(SecretBoxError);
    expect(() => box.open('garbage')).toThrow(SecretBoxError);
  });

  it('generates a master secret into DATA_DIR/secret.key (0600) once, with a warning, and reuses it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'secret-'));
    const warnings: string[] = [];
    const first = loadMasterSecret(undefined, dir, (m) => warnings.push(m));
    const second = loadMasterSecret(undefined, dir, (m) => warnings.push(m));
    expect(first).toBe(second);
    expect(warnings).toHaveLength(1);
    expect(statSync(join(dir, 'secret.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'secret.key'), 'utf8').trim()).toBe(first);
    expect(loadMasterSecret('configured-secret', dir, () => undefined)).toBe('configured-secret');
  });
});

describe('passwords', () => {
  it('hashes with argon2id and verifies only the right password', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(hash, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(hash, 'wrong')).toBe(false);
    expect(await verifyPassword(null, 'anything')).toBe(false);
    expect(await verifyPassword('not-a-hash', 'anything')).toBe(false);
  });
});

describe('API keys and sessions against a real database', () => {
  let store: Store;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const db = await openTestDatabase('sqlite');
    store = createStore(db.handle);
    close = db.close;
  });
  afterAll(() => close());

  it('verifies an issued key, and refuses a changed secret, a changed id and a revoked key', async () => {
    const { key, record } = await issueApiKey(store, { name: 'k', organisationId: null, role: 'admin' });
    expect((await verifyApiKey(store, key))?.id).toBe(record.id);
    const flipped = key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');
    expect(await verifyApiKey(store, flipped)).toBeUndefined();
    // Another id with the same secret (the first hex digit changed, never to itself).
    const otherId = key.replace(/^dbk_(.)/, (_m, c: string) => `dbk_${c === '0' ? '1' : '0'}`);
    expect(otherId).not.toBe(key);
    expect(await verifyApiKey(store, otherId)).toBeUndefined();
    await store.apiKeys.revoke(record.id);
    expect(await verifyApiKey(store, key)).toBeUndefined();
  });

  it('slides the idle expiry on use and ends the session at the absolute expiry however active', async () => {
    const user = await store.users.create({ email: 'slide@example.test' });
    const policy = { idleSeconds: 600, absoluteSeconds: 3600 };
    const t0 = 1_800_000_000_000;
    const { cookieValue } = await startSession(
      store,
      policy,
      { userId: user.id, method: 'password', ip: null, userAgent: null },
      t0,
    );
    // Used every 9 minutes: still alive after 54 minutes although the idle limit is 10.
    for (let t = t0 + 540_000; t < t0 + 3_300_000; t += 540_000) {
      expect(await checkSession(store, policy, cookieValue, t), `at +${(t - t0) / 60000} min`).toBeDefined();
    }
    expect(await checkSession(store, policy, cookieValue, t0 + 3_600_000)).toBeUndefined();
  });

  it('ends an unused session after the idle timeout', async () => {
    const user = await store.users.create({ email: 'idle@example.test' });
    const policy = { idleSeconds: 600, absoluteSeconds: 3600 };
    const t0 = 1_800_000_000_000;
    const { cookieValue } = await startSession(
      store,
      policy,
      { userId: user.id, method: 'password', ip: null, userAgent: null },
      t0,
    );
    expect(await checkSession(store, policy, cookieValue, t0 + 599_000)).toBeDefined();
    expect(await checkSession(store, policy, cookieValue, t0 + 599_000 + 600_001)).toBeUndefined();
  });
});
