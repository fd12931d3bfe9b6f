/** redactedUrl (src/ops/logger.ts): the request URL as logged, without a sign-in's credentials (attacks.md W-HYG-4). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactedUrl } from '../../src/ops/logger.ts';

describe('redactedUrl', () => {
  it('replaces the values of code and state and keeps every other parameter as it came', () => {
    expect(redactedUrl('/api/v1/auth/oidc/acme/callback/?code=abc123&state=xyz&iss=https%3A%2F%2Fop')).toBe(
      '/api/v1/auth/oidc/acme/callback/?code=[redacted]&state=[redacted]&iss=https%3A%2F%2Fop',
    );
  });

  it('matches names case-insensitively and percent-encoded (SAMLResponse, Signature, %63ode)', () => {
    expect(redactedUrl('/acs?SAMLResponse=PHNh&RelayState=%2Fx&Signature=c2ln&SigAlg=rsa')).toBe(
      '/acs?SAMLResponse=[redacted]&RelayState=[redacted]&Signature=[redacted]&SigAlg=rsa',
    );
    expect(redactedUrl('/cb?%63ode=secret')).toBe('/cb?%63ode=[redacted]');
  });

  it('leaves URLs without a query, and names that do not decode, alone', () => {
    expect(redactedUrl('/healthz')).toBe('/healthz');
    expect(redactedUrl('/x?%E0%A4%A=1&next=/app')).toBe('/x?%E0%A4%A=1&next=/app');
  });

  it('property: never throws, and no value given to code or state survives', () => {
    const value = fc.string({
      minLength: 8,
      maxLength: 24,
      unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'),
    });
    fc.assert(
      fc.property(fc.string(), value, value, (prefix, code, state) => {
        const url = `/p?${encodeURIComponent(prefix)}=1&code=${code}&x=${encodeURIComponent(prefix)}&state=${state}`;
        const logged = redactedUrl(url);
        expect(logged).not.toContain(`code=${code}`);
        expect(logged).not.toContain(`state=${state}`);
        expect(redactedUrl(logged)).toBe(logged);
      }),
    );
    fc.assert(fc.property(fc.string(), (url) => typeof redactedUrl(url) === 'string'));
  });
});
