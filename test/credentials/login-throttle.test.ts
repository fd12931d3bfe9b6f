import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  accountKey,
  addressKey,
  combineDecisions,
  delayAfter,
  type ThrottlePolicy,
  throttleDecision,
} from '../../src/credentials/login-throttle.ts';

const policy: ThrottlePolicy = { freeFailures: 5, maxDelaySeconds: 900, memorySeconds: 86_400 };
const T = 2_000_000_000_000;
const state = (failures: number, lastFailureAt = T) => ({
  key: 'account:a@b.test',
  failures,
  firstFailureAt: lastFailureAt,
  lastFailureAt,
});

describe('progressive delay after failed sign-ins', () => {
  it('imposes no wait for the first free failures, then 1 s doubling per failure', () => {
    expect([0, 1, 4, 5, 6, 7, 8, 14].map((n) => delayAfter(n, policy))).toEqual([0, 0, 0, 1, 2, 4, 8, 512]);
  });

  it('caps the wait at maxDelaySeconds, even after a million failures', () => {
    expect(delayAfter(15, policy)).toBe(900);
    expect(delayAfter(1_000_000, policy)).toBe(900);
  });

  it('refuses an attempt inside the wait with the seconds left, and allows it once the wait is over', () => {
    expect(throttleDecision(state(7), T + 1500, policy)).toEqual({ allowed: false, retryAfterSeconds: 3 });
    expect(throttleDecision(state(7), T + 4000, policy)).toEqual({ allowed: true });
  });

  it('allows when there is no counter, and forgets a counter after memorySeconds', () => {
    expect(throttleDecision(undefined, T, policy)).toEqual({ allowed: true });
    expect(throttleDecision(state(40), T + 86_400_000, policy)).toEqual({ allowed: true });
    expect(throttleDecision(state(40), T + 600_000, policy)).toEqual({
      allowed: false,
      retryAfterSeconds: 300,
    });
  });

  it('keys accounts by the normalised email, so case and spaces do not give fresh counters', () => {
    expect(accountKey(' Ada@Example.TEST ')).toBe(accountKey('ada@example.test'));
  });

  it('counts IPv4 addresses one by one, IPv4-mapped IPv6 as IPv4, and IPv6 per /64 prefix', () => {
    expect(addressKey('203.0.113.7')).toBe('ip:203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('ip:203.0.113.7');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('ip:2001:db8:1:2::/64');
    expect(addressKey('2001:0DB8:0001:0002:ffff:ffff:ffff:ffff')).toBe('ip:2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('ip:2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('ip:0:0:0:0::/64');
    expect(addressKey('2001:db8:1:3::1')).not.toBe(addressKey('2001:db8:1:2::1'));
  });

  it('gives every address of one IPv6 /64 the same key, whatever its spelling', () => {
    const group = fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16));
    fc.assert(
      fc.property(
        fc.array(group, { minLength: 8, maxLength: 8 }),
        fc.array(group, { minLength: 4, maxLength: 4 }),
        (a, b) => {
          const full = a.join(':');
          const sibling = [...a.slice(0, 4), ...b].join(':');
          const padded = a.map((g) => g.padStart(4, '0').toUpperCase()).join(':');
          return addressKey(full) === addressKey(sibling) && addressKey(full) === addressKey(padded);
        },
      ),
    );
  });

  it('combines decisions by the longest wait', () => {
    expect(
      combineDecisions([
        { allowed: true },
        { allowed: false, retryAfterSeconds: 3 },
        { allowed: false, retryAfterSeconds: 9 },
      ]),
    ).toEqual({ allowed: false, retryAfterSeconds: 9 });
    expect(combineDecisions([{ allowed: true }, { allowed: true }])).toEqual({ allowed: true });
  });

  it('never waits longer than the cap, never less than 1 s when refusing, and more failures never wait less', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 86_400 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 100_000_000 }),
        (free, max, failures, elapsed) => {
          const p = { freeFailures: free, maxDelaySeconds: max, memorySeconds: 86_400 };
          const d = throttleDecision(state(failures), T + elapsed, p);
          const more = throttleDecision(state(failures + 1), T + elapsed, p);
          if (d.allowed) return delayAfter(failures, p) * 1000 <= elapsed || elapsed >= 86_400_000;
          return (
            d.retryAfterSeconds >= 1 &&
            d.retryAfterSeconds <= max &&
            !more.allowed &&
            more.retryAfterSeconds >= d.retryAfterSeconds
          );
        },
      ),
    );
  });
});
