/**
 * Protocol semantics of the Web Browser SSO profile (attacks.md §1.8, SAML Profiles 4.1.4,
 * SAML Core 2.x/3.x). Every vector is a properly signed RA response (unless the case is about
 * the unsigned envelope) in which only the named field differs from the baseline.
 */
import { describe, expect, it } from 'vitest';
import {
  ACS_A,
  ACS_B,
  BEARER,
  NOW,
  REQUEST_ID,
  SP_ENTITY_A,
  SP_ENTITY_B,
  signedA,
  signedRA,
} from './support/builder.ts';
import { ALICE, expectRefused, settingsA, validate } from './support/expect.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const noSkew = settingsA({ clockSkewSeconds: 0 });
const audiences = (...lists: string[][]) =>
  `<saml:Conditions NotBefore="${new Date(NOW - MINUTE).toISOString()}" NotOnOrAfter="${new Date(NOW + 5 * MINUTE).toISOString()}">${lists
    .map(
      (l) =>
        `<saml:AudienceRestriction>${l.map((a) => `<saml:Audience>${a}</saml:Audience>`).join('')}</saml:AudienceRestriction>`,
    )
    .join('')}</saml:Conditions>`;
const confirmation = (
  method: string,
  data = `<saml:SubjectConfirmationData Recipient="${ACS_A}" NotOnOrAfter="${new Date(NOW + 5 * MINUTE).toISOString()}" InResponseTo="${REQUEST_ID}"/>`,
) => `<saml:SubjectConfirmation Method="${method}">${data}</saml:SubjectConfirmation>`;
const HOK = 'urn:oasis:names:tc:SAML:2.0:cm:holder-of-key';
const SENDER_VOUCHES = 'urn:oasis:names:tc:SAML:2.0:cm:sender-vouches';

describe('SAML Core 2.5.1.4 AudienceRestriction', () => {
  it('S-SEM-1 refuses an assertion for another SP', () => {
    expectRefused(signedRA({ audiences: ['https://other-sp.test'] }), 'saml_audience_mismatch', {
      expected: SP_ENTITY_A,
      got: ['https://other-sp.test'],
    });
  });

  it('S-SEM-2 refuses Conditions without AudienceRestriction, and no Conditions at all', () => {
    const conditions = `<saml:Conditions NotOnOrAfter="${new Date(NOW + MINUTE).toISOString()}"/>`;
    expectRefused(signedRA({ conditionsXml: conditions }), 'saml_audience_mismatch', {
      reason: 'no_audience_restriction',
    });
    expectRefused(signedRA({ conditionsXml: '' }), 'saml_audience_mismatch', {
      reason: 'no_audience_restriction',
    });
  });

  it('S-SEM-3 refuses when one of several AudienceRestrictions does not list the SP', () => {
    expectRefused(
      signedRA({ conditionsXml: audiences([SP_ENTITY_A], ['https://other-sp.test']) }),
      'saml_audience_mismatch',
    );
  });

  it('accepts several AudienceRestrictions that all list the SP, among other audiences', () => {
    const xml = signedRA({ conditionsXml: audiences(['https://other-sp.test', SP_ENTITY_A], [SP_ENTITY_A]) });
    expect(validate(xml).nameId).toBe(ALICE.nameId);
  });

  it('S-SEM-4 refuses the Audience of the other organisation configuration', () => {
    expectRefused(signedRA({ audiences: [SP_ENTITY_B] }), 'saml_audience_mismatch', { got: [SP_ENTITY_B] });
  });

  it('compares the audience exactly (no trailing-slash or case folding)', () => {
    expectRefused(signedRA({ audiences: [SP_ENTITY_A.slice(0, -1)] }), 'saml_audience_mismatch');
    expectRefused(signedRA({ audiences: [SP_ENTITY_A.toUpperCase()] }), 'saml_audience_mismatch');
  });
});

describe('SAML Profiles 4.1.4.2-4.1.4.3 bearer SubjectConfirmation', () => {
  it('S-SEM-5 refuses a Recipient other than our ACS (attacker, other configuration, missing)', () => {
    for (const recipient of ['https://attacker.test/acs', ACS_B]) {
      expectRefused(signedRA({ recipient }), 'saml_recipient_mismatch', { expected: ACS_A, got: recipient });
    }
    expectRefused(signedRA({ recipient: null }), 'saml_recipient_mismatch', { got: null });
  });

  it('S-SEM-9 refuses an expired SubjectConfirmationData (skew 0 and beyond the skew)', () => {
    expectRefused(
      signedRA({ scdNotOnOrAfter: NOW - SECOND }),
      'saml_expired',
      { where: 'subject_confirmation' },
      noSkew,
    );
    expectRefused(signedRA({ scdNotOnOrAfter: NOW - 61 * SECOND }), 'saml_expired', {
      where: 'subject_confirmation',
    });
  });

  it('refuses a SubjectConfirmationData NotBefore in the future beyond the skew', () => {
    expectRefused(signedRA({ scdNotBefore: NOW + 61 * SECOND }), 'saml_not_yet_valid', {
      where: 'subject_confirmation',
    });
    expect(validate(signedRA({ scdNotBefore: NOW + 59 * SECOND })).nameId).toBe(ALICE.nameId);
  });

  it('S-SEM-13 refuses a bearer confirmation without NotOnOrAfter', () => {
    expectRefused(signedRA({ scdNotOnOrAfter: null }), 'saml_subject_confirmation_invalid', {
      reason: 'not_on_or_after',
    });
  });

  it('S-SEM-14 refuses holder-of-key or sender-vouches as the only confirmation', () => {
    for (const method of [HOK, SENDER_VOUCHES]) {
      expectRefused(signedRA({ method }), 'saml_subject_confirmation_invalid', {
        reason: 'no_bearer',
        methods: [method],
      });
    }
  });

  it('accepts a holder-of-key confirmation beside a valid bearer one (satisfying one is enough, Core 2.4.1.1)', () => {
    expect(validate(signedRA({ confirmationsXml: confirmation(HOK) + confirmation(BEARER) })).nameId).toBe(
      ALICE.nameId,
    );
  });

  it('S-SEM-15 refuses no SubjectConfirmation and a bearer one without SubjectConfirmationData', () => {
    expectRefused(signedRA({ confirmationsXml: '' }), 'saml_subject_confirmation_invalid', {
      reason: 'no_bearer',
    });
    expectRefused(
      signedRA({ confirmationsXml: confirmation(BEARER, '') }),
      'saml_subject_confirmation_invalid',
      {
        reason: 'data_count',
      },
    );
  });

  it('S-SEM-20 refuses a Response InResponseTo that differs from the SubjectConfirmationData one', () => {
    expectRefused(signedRA({ responseInResponseTo: '_other' }), 'saml_in_response_to_mismatch', {
      response: '_other',
      assertion: REQUEST_ID,
    });
  });

  it('S-SEM-16 / S-SEM-17 (caller) hands an unsolicited response to the caller with inResponseTo null', () => {
    expect(validate(signedRA({ responseInResponseTo: null, scdInResponseTo: null })).inResponseTo).toBeNull();
    expect(
      validate(signedRA({ responseInResponseTo: '_never_issued', scdInResponseTo: '_never_issued' }))
        .inResponseTo,
    ).toBe('_never_issued');
  });
});

describe('SAML Bindings 3.5.5.2 / Profiles 4.1.4.5 Destination', () => {
  it('S-SEM-6 refuses a Destination other than our ACS', () => {
    expectRefused(signedRA({ destination: 'https://attacker.test/acs' }), 'saml_destination_mismatch', {
      expected: ACS_A,
      got: 'https://attacker.test/acs',
    });
  });

  it('S-SEM-7 refuses an empty Destination, and a signed Response without one', () => {
    expectRefused(signedRA({ destination: '' }), 'saml_destination_mismatch', { got: '' });
    expectRefused(signedRA({ destination: null }), 'saml_destination_mismatch', { got: null });
  });

  it('S-SEM-7 accepts an unsigned Response without Destination (the signed Recipient still binds the ACS)', () => {
    expect(validate(signedA({ destination: null })).nameId).toBe(ALICE.nameId);
  });

  it('S-SEM-8 treats scheme and host case and the default port as equal, and any path difference as different', () => {
    for (const same of [
      ACS_A.replace('https://sp.test', 'HTTPS://SP.TEST'),
      ACS_A.replace('sp.test', 'sp.test:443'),
    ]) {
      expect(validate(signedRA({ destination: same, recipient: same })).nameId).toBe(ALICE.nameId);
    }
    for (const other of [
      ACS_A.slice(0, -1),
      ACS_A.replace('/response/', '/RESPONSE/'),
      `${ACS_A}x`,
      ACS_A.replace('https:', 'http:'),
      ACS_A.replace('sp.test', 'sp.test:8443'),
      ACS_A.replace('/acme-okta/', '/globex/../acme-okta/'),
    ]) {
      expectRefused(signedRA({ destination: other }), 'saml_destination_mismatch');
      expectRefused(signedA({ recipient: other }), 'saml_recipient_mismatch');
    }
  });
});

describe('SAML Core 2.5.1.2 Conditions time window', () => {
  it('S-SEM-10 refuses Conditions NotOnOrAfter beyond the skew', () => {
    expectRefused(signedRA({ notOnOrAfter: NOW - 61 * SECOND }), 'saml_expired', { where: 'conditions' });
  });

  it('S-SEM-11 refuses Conditions NotBefore in the future beyond the skew', () => {
    expectRefused(signedRA({ notBefore: NOW + 2 * MINUTE }), 'saml_not_yet_valid', { where: 'conditions' });
  });

  it('S-SEM-12 honours the exact skew boundaries', () => {
    expect(validate(signedRA({ notOnOrAfter: NOW - 60 * SECOND + 1 })).nameId).toBe(ALICE.nameId);
    expectRefused(signedRA({ notOnOrAfter: NOW - 60 * SECOND }), 'saml_expired');
    expect(validate(signedRA({ notBefore: NOW + 60 * SECOND })).nameId).toBe(ALICE.nameId);
    expectRefused(signedRA({ notBefore: NOW + 60 * SECOND + 1 }), 'saml_not_yet_valid');
    expect(validate(signedRA({ notOnOrAfter: NOW + 1 }), noSkew).nameId).toBe(ALICE.nameId);
    expectRefused(signedRA({ notOnOrAfter: NOW }), 'saml_expired', undefined, noSkew);
  });

  it('S-SEM-31 refuses two Conditions elements', () => {
    const twice = audiences([SP_ENTITY_A]) + audiences([SP_ENTITY_A]);
    expectRefused(signedRA({ conditionsXml: twice }), 'saml_assertion_invalid', {
      reason: 'conditions_count',
    });
  });

  it('refuses a condition it does not understand (Core 2.5.1: Indeterminate), accepts OneTimeUse', () => {
    const unknown = audiences([SP_ENTITY_A]).replace(
      '</saml:Conditions>',
      '<saml:Condition xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="x:Custom"/></saml:Conditions>',
    );
    expectRefused(signedRA({ conditionsXml: unknown }), 'saml_assertion_invalid', {
      reason: 'unknown_condition',
    });
    const oneTime = audiences([SP_ENTITY_A]).replace(
      '</saml:Conditions>',
      '<saml:OneTimeUse/></saml:Conditions>',
    );
    expect(validate(signedRA({ conditionsXml: oneTime })).nameId).toBe(ALICE.nameId);
  });

  it('refuses a time without a zone, or out of range, rather than guessing', () => {
    const local = audiences([SP_ENTITY_A]).replace(/NotBefore="[^"]+"/, 'NotBefore="2025-06-02T09:59:00"');
    expectRefused(signedRA({ conditionsXml: local }), 'saml_assertion_invalid', { reason: 'datetime' });
    const feb30 = audiences([SP_ENTITY_A]).replace(/NotBefore="[^"]+"/, 'NotBefore="2025-02-30T00:00:00Z"');
    expectRefused(signedRA({ conditionsXml: feb30 }), 'saml_assertion_invalid', { reason: 'datetime' });
  });

  it('applies an explicit UTC offset exactly', () => {
    const offset = audiences([SP_ENTITY_A]).replace(
      /NotOnOrAfter="[^"]+"/,
      'NotOnOrAfter="2025-06-02T12:05:00+02:00"',
    );
    expect(validate(signedRA({ conditionsXml: offset })).notOnOrAfter).toBe(NOW + 5 * MINUTE);
  });
});
