/**
 * The test vectors of bench:saml, signed before anything is timed: the pool of valid responses
 * for the ACS (each POSTed once), and the forged, malformed and oversized ones for the validator.
 */
import { IDP_A_KEY } from '../../test/saml/response/support/keys.ts';
import { median } from '../lib/stats.ts';
import type { SamlSetup } from './drawbridge.ts';
import { IN_PROCESS_SET, LARGE_RESPONSE_BYTES, USERS } from './plan.ts';
import {
  largeSignedResponse,
  malformed,
  type ResponseSpec,
  withBadDigest,
  withBadSignatureValue,
} from './responses.ts';
import { signInParallel } from './sign-pool.ts';

export interface Vectors {
  /** Base64 responses for the ACS, each used once per server. */
  pool: string[];
  /** The first IN_PROCESS_SET of them, decoded. */
  xml: string[];
  badSignature: string[];
  badDigest: string[];
  malformedXml: string[];
  large: string[];
  sizeBytes: number;
}

function specOf(i: number): ResponseSpec {
  return { user: i % USERS, variant: Math.floor(i / USERS) };
}

const b64 = (xml: string) => Buffer.from(xml, 'utf8').toString('base64');

export async function buildVectors(setup: SamlSetup, nResponses: number): Promise<Vectors> {
  const target = { spEntityId: setup.spEntityId, acsUrl: setup.acsUrl, idp: IDP_A_KEY };
  const now = Date.now();
  const pool = await signInParallel({
    target,
    now,
    specs: Array.from({ length: nResponses }, (_, i) => specOf(i)),
  });
  const xml = pool.slice(0, IN_PROCESS_SET).map((r) => Buffer.from(r, 'base64').toString('utf8'));
  const few = xml.slice(0, 8);
  return {
    pool,
    xml,
    badSignature: few.map((x) => b64(withBadSignatureValue(x))),
    badDigest: few.map((x) => b64(withBadDigest(x))),
    malformedXml: few.map((x) => b64(malformed(x))),
    large: [b64(largeSignedResponse(target, specOf(0), now, LARGE_RESPONSE_BYTES))],
    sizeBytes: Math.round(median(xml.map((x) => Buffer.byteLength(x)))),
  };
}
