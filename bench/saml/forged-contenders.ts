/**
 * Drawbridge's validator on forged, malformed and oversized responses: each contender must be
 * refused with its code every time, so its cost can be compared with a valid response's.
 */
import { SamlError } from '../../src/saml/errors.ts';
import {
  DEFAULT_CANONICALIZATIONS,
  type ResponseValidationSettings,
  validateResponse,
} from '../../src/saml/validate-response.ts';
import { IDP_A_KEY, SP_KEY } from '../../test/saml/response/support/keys.ts';
import { type Contender, loopSync } from '../lib/measure.ts';
import type { SamlSetup } from './drawbridge.ts';
import { CLOCK_SKEW_SECONDS } from './plan.ts';
import { IDP_ENTITY_ID } from './responses.ts';
import type { Vectors } from './vectors.ts';

export function validatorSettings(setup: SamlSetup): ResponseValidationSettings {
  // What the ACS passes for this configuration (src/sso/saml-flow.ts), SP decryption key included.
  return {
    spEntityId: setup.spEntityId,
    acsUrl: setup.acsUrl,
    idpEntityId: IDP_ENTITY_ID,
    idpCertificates: [IDP_A_KEY.certPem],
    requireSignedAssertion: true,
    allowSha1: false,
    allowedCanonicalizations: [...DEFAULT_CANONICALIZATIONS],
    clockSkewSeconds: CLOCK_SKEW_SECONDS,
    decryptionKeys: [SP_KEY.privateKeyPem],
    wantAssertionsEncrypted: false,
  };
}

function refusalOf(response: string, settings: ResponseValidationSettings): SamlError {
  try {
    validateResponse(response, settings, Date.now());
  } catch (error) {
    if (error instanceof SamlError) return error;
    throw error;
  }
  throw new Error('a forged or malformed response was accepted');
}

/** A validator contender that must refuse every one of `responses` with `code`. */
function refusing(
  name: string,
  responses: string[],
  settings: ResponseValidationSettings,
  roundSeconds: number,
  code: string,
  reason?: string,
): Contender & { code: string } {
  const once = (i: number) => {
    const e = refusalOf(responses[i % responses.length]!, settings);
    if (e.code !== code || (reason !== undefined && e.detail?.reason !== reason)) {
      throw new Error(
        `${name}: refused with ${e.code} ${JSON.stringify(e.detail)}, expected ${code} ${reason}`,
      );
    }
  };
  const label = reason ? `${code} (${reason})` : code;
  return {
    name,
    code: label,
    warmUp: async () => void loopSync(once, 0.3),
    run: async () => loopSync(once, roundSeconds),
  };
}

export function forgedContenders(
  v: Vectors,
  settings: ResponseValidationSettings,
  roundSeconds: number,
): Array<Contender & { code: string }> {
  return [
    refusing(
      'bad SignatureValue',
      v.badSignature,
      settings,
      roundSeconds,
      'saml_signature_invalid',
      'signature_value',
    ),
    refusing(
      'bad digest (NameID edited)',
      v.badDigest,
      settings,
      roundSeconds,
      'saml_signature_invalid',
      'digest_mismatch',
    ),
    refusing('malformed XML (truncated)', v.malformedXml, settings, roundSeconds, 'saml_xml_malformed'),
    refusing('300 KB response (signed)', v.large, settings, roundSeconds, 'saml_response_too_large'),
  ];
}
