/**
 * Protocol semantics, continued (attacks.md §1.8): Issuer, the assertion's and the Response's
 * own shape (SAML Core 2.2.5, 2.3.3, 2.7.2, 3.2.2), and the facts the caller relies on for
 * replay and multi-tenant rules. Every vector is a properly signed response in which only the
 * named field differs from the baseline.
 */
import { describe, expect, it } from 'vitest';
import {
  ACS_B,
  buildResponse,
  IDP_A,
  IDP_B,
  mutate,
  NOW,
  REQUEST_ID,
  SP_ENTITY_A,
  SP_ENTITY_B,
  sign,
  signedA,
  signedR,
  signedRA,
} from './support/builder.ts';
import { ALICE, expectRefused, settingsA, validate } from './support/expect.ts';
import { IDP_B_KEY } from './support/keys.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

describe('SAML Core 2.2.5 Issuer, 2.3.3 Assertion, 3.2.2 Response', () => {
  it('S-SEM-26 refuses another IdP in the Response Issuer or in the Assertion Issuer', () => {
    expectRefused(signedRA({ responseIssuer: IDP_B }), 'saml_issuer_mismatch', {
      where: 'response',
      got: IDP_B,
    });
    expectRefused(signedRA({ issuer: IDP_B }), 'saml_issuer_mismatch', { where: 'assertion', got: IDP_B });
  });

  it('S-SEM-27 refuses an assertion without Issuer; a Response without Issuer is fine', () => {
    expectRefused(signedRA({ issuer: null }), 'saml_issuer_mismatch', { where: 'assertion', got: null });
    expect(validate(signedRA({ responseIssuer: null })).nameId).toBe(ALICE.nameId);
  });

  it('refuses an Issuer whose Format is not the entity format', () => {
    const xml = sign(
      buildResponse().replace(
        `<saml:Issuer>${IDP_A}</saml:Issuer><saml:Subject`,
        `<saml:Issuer Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${IDP_A}</saml:Issuer><saml:Subject`,
      ),
      'Assertion',
    );
    expectRefused(xml, 'saml_issuer_mismatch', { where: 'assertion' });
  });

  it('S-SEM-28 refuses an empty NameID; a missing one is returned as null for the caller (documented)', () => {
    expectRefused(signedRA({ nameIdXml: '<saml:NameID/>' }), 'saml_subject_missing', {
      reason: 'empty_nameid',
    });
    expectRefused(signedRA({ nameIdXml: '<saml:NameID>  </saml:NameID>' }), 'saml_subject_missing');
    expect(validate(signedRA({ nameIdXml: '' })).nameId).toBeNull();
  });

  it('refuses an EncryptedID (not decrypted, never silently dropped) and a Subject-less assertion', () => {
    expectRefused(signedRA({ nameIdXml: '<saml:EncryptedID/>' }), 'saml_subject_missing', {
      reason: 'unsupported_identifier',
    });
    const noSubject = buildResponse().replace(/<saml:Subject>[\s\S]*<\/saml:Subject>/, '');
    expectRefused(sign(noSubject, 'Assertion'), 'saml_subject_missing');
  });

  it('S-SEM-29 refuses a NameID whose SPNameQualifier names another SP', () => {
    const xml = signedRA({
      nameIdXml: '<saml:NameID SPNameQualifier="https://other-sp.test">alice@orga.test</saml:NameID>',
    });
    expectRefused(xml, 'saml_audience_mismatch', { reason: 'sp_name_qualifier' });
    const ours = signedRA({
      nameIdXml: `<saml:NameID SPNameQualifier="${SP_ENTITY_A}">alice@orga.test</saml:NameID>`,
    });
    expect(validate(ours).nameId).toBe(ALICE.nameId);
  });

  it('S-SEM-30 refuses two Attribute elements with the same Name', () => {
    const xml = signedRA({
      attributes: [
        ['email', ['alice@orga.test']],
        ['email', ['admin@orga.test']],
      ],
    });
    expectRefused(xml, 'saml_assertion_invalid', { reason: 'duplicate_attribute', name: 'email' });
  });

  it('S-SEM-32 refuses an assertion without AuthnStatement, or with two', () => {
    expectRefused(signedRA({ authnXml: '' }), 'saml_assertion_invalid', {
      reason: 'authn_statement_count',
      count: 0,
    });
    const one = `<saml:AuthnStatement AuthnInstant="${new Date(NOW).toISOString()}"/>`;
    expectRefused(signedRA({ authnXml: one + one }), 'saml_assertion_invalid', {
      reason: 'authn_statement_count',
      count: 2,
    });
  });

  it('S-SEM-33 refuses a SessionNotOnOrAfter in the past', () => {
    expectRefused(signedRA({ sessionNotOnOrAfter: NOW - MINUTE - SECOND }), 'saml_expired', {
      where: 'session',
    });
  });

  it('S-SEM-34 refuses Version 1.1 and a missing ID, on the Response and on the assertion', () => {
    expectRefused(signedRA({ responseVersion: '1.1' }), 'saml_version_unsupported', { got: '1.1' });
    expectRefused(signedRA({ assertionVersion: '1.1' }), 'saml_version_unsupported');
    expectRefused(signedA().replace('ID="_r1" ', ''), 'saml_response_invalid', { reason: 'id' });
    const noAssertionId = sign(buildResponse(), 'Response').replace('ID="_a1" ', '');
    expectRefused(
      noAssertionId,
      'saml_assertion_invalid',
      { reason: 'id' },
      settingsA({ requireSignedAssertion: false }),
    );
  });

  it('S-SEM-36 refuses a SAML 1.1 assertion (an element a SAML 2.0 Response cannot hold) and a SAML 1.1 Response', () => {
    const saml11 = buildResponse().replace(
      '<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"',
      '<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:1.0:assertion"',
    );
    expectRefused(saml11, 'saml_response_invalid', { reason: 'unexpected_element' });
    const protocol11 = buildResponse().replace(
      'urn:oasis:names:tc:SAML:2.0:protocol',
      'urn:oasis:names:tc:SAML:1.0:protocol',
    );
    expectRefused(protocol11, 'saml_not_a_response');
  });

  it('S-SEM-25 refuses a Success response without an assertion', () => {
    expectRefused(sign(buildResponse({}, ''), 'Response'), 'saml_assertion_missing');
  });

  it('S-SEM-39 refuses a nested error status (Responder/AuthnFailed) with a clean code', () => {
    const status =
      '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"/></samlp:StatusCode></samlp:Status>';
    expectRefused(sign(buildResponse({ statusXml: status }, ''), 'Response'), 'saml_status_not_success', {
      statusCodes: [
        'urn:oasis:names:tc:SAML:2.0:status:Responder',
        'urn:oasis:names:tc:SAML:2.0:status:AuthnFailed',
      ],
    });
  });

  it('refuses a Response child the schema does not allow, and a Response without Status', () => {
    expectRefused(signedA({ beforeAssertion: '<samlp:Evil/>' }), 'saml_response_invalid', {
      reason: 'unexpected_element',
    });
    expectRefused(signedA({ statusXml: '' }), 'saml_response_invalid', { reason: 'status' });
  });

  it('refuses an assertion child the schema does not allow', () => {
    const xml = sign(buildResponse({ assertionExtra: '<saml:Evil/>' }), 'Assertion');
    expectRefused(xml, 'saml_assertion_invalid', { reason: 'unexpected_element' });
  });
});

describe('Facts the caller needs for replay and multi-tenant rules', () => {
  it('S-SEM-22 (caller) the validator is pure: the same response validates twice to the same assertion ID', () => {
    const xml = signedRA();
    expect(validate(xml).assertionId).toBe(validate(xml).assertionId);
  });

  it('S-SEM-23 (caller) a changed unsigned Response ID leaves the assertion ID, the replay key, unchanged', () => {
    const replayed = mutate(signedA(), (doc) => doc.documentElement!.setAttribute('ID', '_r2'));
    const result = validate(replayed);
    expect([result.responseId, result.assertionId]).toEqual(['_r2', '_a1']);
  });

  it("S-MT-1 refuses configuration B's valid response posted to configuration A", () => {
    const b = signedRA(
      {
        destination: ACS_B,
        responseIssuer: IDP_B,
        issuer: IDP_B,
        recipient: ACS_B,
        audiences: [SP_ENTITY_B],
      },
      { key: IDP_B_KEY },
    );
    expectRefused(b, 'saml_destination_mismatch');
    expectRefused(
      signedA({ responseIssuer: IDP_B, issuer: IDP_B }, { key: IDP_B_KEY }),
      'saml_issuer_mismatch',
    );
  });

  it('R responses expose the Response InResponseTo as signed', () => {
    expect(
      validate(signedR({ scdInResponseTo: null }), settingsA({ requireSignedAssertion: false })).inResponseTo,
    ).toBe(REQUEST_ID);
  });
});
