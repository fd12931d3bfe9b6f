/** Settings for configuration A and one-line assertions on validateResponse's outcome. */
import { expect } from 'vitest';
import { SamlError, type SamlErrorCode } from '../../../../src/saml/errors.ts';
import {
  DEFAULT_CANONICALIZATIONS,
  type ResponseValidationSettings,
  type ValidatedAssertion,
  validateResponse,
} from '../../../../src/saml/validate-response.ts';
import { ACS_A, b64, IDP_A, NOW, REQUEST_ID, SP_ENTITY_A } from './builder.ts';
import { IDP_A_KEY, SP_KEY, SP_PREVIOUS_KEY } from './keys.ts';

/** Configuration A with the default policy (attacks.md §0.2 "recommended default"). */
export function settingsA(overrides: Partial<ResponseValidationSettings> = {}): ResponseValidationSettings {
  return {
    spEntityId: SP_ENTITY_A,
    acsUrl: ACS_A,
    idpEntityId: IDP_A,
    idpCertificates: [IDP_A_KEY.certPem],
    requireSignedAssertion: true,
    allowSha1: false,
    allowedCanonicalizations: [...DEFAULT_CANONICALIZATIONS],
    clockSkewSeconds: 60,
    decryptionKeys: [SP_KEY.privateKeyPem, SP_PREVIOUS_KEY.privateKeyPem],
    wantAssertionsEncrypted: false,
    ...overrides,
  };
}

export function validate(xml: string, settings = settingsA(), now = NOW): ValidatedAssertion {
  return validateResponse(b64(xml), settings, now);
}

/** The SamlError a message is refused with; fails the test if it is accepted or throws anything else. */
export function refusal(xml: string, settings = settingsA(), now = NOW): SamlError {
  let result: ValidatedAssertion | undefined;
  try {
    result = validate(xml, settings, now);
  } catch (error) {
    if (error instanceof SamlError) return error;
    throw error;
  }
  throw new Error(`expected a refusal, but the response was accepted for ${result.nameId}`);
}

export function expectRefused(
  xml: string,
  code: SamlErrorCode,
  detail?: Record<string, unknown>,
  settings = settingsA(),
  now = NOW,
): SamlError {
  const error = refusal(xml, settings, now);
  expect({ code: error.code, detail: error.detail }).toMatchObject({ code, ...(detail ? { detail } : {}) });
  return error;
}

/** What the baseline response for alice yields. */
export const ALICE: Omit<ValidatedAssertion, 'encrypted'> = {
  responseId: '_r1',
  assertionId: '_a1',
  issuer: IDP_A,
  inResponseTo: REQUEST_ID,
  nameId: 'alice@orga.test',
  nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
  sessionIndex: '_s1',
  attributes: { email: ['alice@orga.test'], role: ['member'], groups: ['eng', 'ops'] },
  notOnOrAfter: NOW + 5 * 60_000,
  authnInstant: NOW,
  sessionNotOnOrAfter: null,
  authnContextClassRef: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
};
