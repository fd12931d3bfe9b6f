/** The settings repository: instance-wide values read, set and set only if absent (both engines). */
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.ts';
import { ENGINES } from '../support/databases.ts';
import { unique, withTestStore } from './helpers.ts';

describe.each(ENGINES)('settings repository (%s)', (engine) => {
  let store: Store;
  withTestStore(engine, (opened) => {
    store = opened;
  });

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
