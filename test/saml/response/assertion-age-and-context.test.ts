/**
 * Per-configuration rules on the login the assertion describes (attacks.md §1.8): a maximum
 * assertion age (S-SEM-35), a required authentication context such as MFA (S-SEM-38), and the
 * IdP's SessionNotOnOrAfter handed on so the session ends no later (S-SEM-33, W-SES-11).
 */
import { describe, expect, it } from 'vitest';
import { buildResponse, NOW, sign, signedRA } from './support/builder.ts';
import { expectRefused, settingsA, validate } from './support/expect.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const PASSWORD = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';
const MFA = 'https://refeds.org/profile/mfa';

const authn = (instant: number, classRef = PASSWORD, extra = '') =>
  `<saml:AuthnStatement AuthnInstant="${new Date(instant).toISOString()}" SessionIndex="_s1"${extra}>` +
  `<saml:AuthnContext><saml:AuthnContextClassRef>${classRef}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`;

/** Signed (Response and Assertion) and valid at NOW, but issued at `issued`. */
function issuedAt(issued: number): string {
  const valid = {
    notBefore: NOW - MINUTE,
    notOnOrAfter: NOW + 5 * MINUTE,
    scdNotOnOrAfter: NOW + 5 * MINUTE,
  };
  return sign(sign(buildResponse(valid, undefined, issued), 'Assertion'), 'Response');
}

describe('maximum assertion age (S-SEM-35)', () => {
  it('refuses an AuthnInstant older than the configured maximum, and accepts it without one', () => {
    const old = signedRA({ authnXml: authn(NOW - 2 * HOUR) });
    expectRefused(
      old,
      'saml_assertion_too_old',
      { what: 'AuthnInstant', maxAgeSeconds: 600 },
      settingsA({ maxAssertionAgeSeconds: 600 }),
    );
    expect(validate(old).authnInstant).toBe(NOW - 2 * HOUR);
  });

  it('refuses an IssueInstant older than the maximum even when the validity windows are still open', () => {
    expectRefused(
      issuedAt(NOW - HOUR),
      'saml_assertion_too_old',
      { what: 'IssueInstant' },
      settingsA({ maxAssertionAgeSeconds: 600 }),
    );
  });

  it('accepts an assertion within the maximum plus the clock skew', () => {
    const fresh = signedRA({ authnXml: authn(NOW - 10 * MINUTE - 30_000) });
    expect(validate(fresh, settingsA({ maxAssertionAgeSeconds: 600 })).nameId).toBe('alice@orga.test');
  });
});

describe('required authentication context (S-SEM-38)', () => {
  it('refuses a password login when the configuration requires MFA, and names what came', () => {
    expectRefused(
      signedRA(),
      'saml_authn_context_insufficient',
      { required: [MFA], got: PASSWORD },
      settingsA({ requiredAuthnContexts: [MFA] }),
    );
  });

  it('accepts the required context, and reports it', () => {
    const mfa = signedRA({ authnXml: authn(NOW, MFA) });
    expect(validate(mfa, settingsA({ requiredAuthnContexts: [MFA] })).authnContextClassRef).toBe(MFA);
  });

  it('refuses an AuthnStatement without AuthnContextClassRef when a context is required', () => {
    const none = signedRA({
      authnXml: `<saml:AuthnStatement AuthnInstant="${new Date(NOW).toISOString()}"/>`,
    });
    expectRefused(
      none,
      'saml_authn_context_insufficient',
      { got: null },
      settingsA({ requiredAuthnContexts: [MFA] }),
    );
  });
});

describe('SessionNotOnOrAfter (S-SEM-33)', () => {
  it("hands the IdP's session limit on to the caller", () => {
    const limited = signedRA({ sessionNotOnOrAfter: NOW + 30 * MINUTE });
    expect(validate(limited).sessionNotOnOrAfter).toBe(NOW + 30 * MINUTE);
  });
});
