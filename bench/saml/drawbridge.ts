/**
 * Drawbridge's side of the SAML benchmark: an organisation with SSO groups and a SAML
 * configuration (IdP-initiated allowed) created through the admin API of a running server, and
 * a closed-loop HTTP driver that POSTs each pre-signed response exactly once to the ACS.
 */
import { type Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { idpMetadata } from '../../test/saml/http/idp-fixture.ts';
import { adminPost, benchOrganisation } from '../lib/admin-api.ts';
import { IDP_ENTITY_ID, IDP_SSO_URL, MAPPED_GROUPS } from './responses.ts';

export const CONFIGURATION_NAME = 'acme-okta';
const SESSION_COOKIE = 'drawbridge_session=';

export interface SamlSetup {
  orgId: string;
  spEntityId: string;
  acsUrl: string;
}

/** Org, four groups the IdP's `groups` attribute maps to, and the SAML configuration. */
export async function setUpSaml(baseUrl: string, idpCertificatePem: string): Promise<SamlSetup> {
  const orgId = await benchOrganisation(baseUrl, MAPPED_GROUPS);
  const configuration = (await adminPost(baseUrl, `/api/v1/organisations/${orgId}/saml-configurations`, {
    name: CONFIGURATION_NAME,
    allowIdpInitiated: true,
    idpMetadataXml: idpMetadata(IDP_ENTITY_ID, IDP_SSO_URL, [idpCertificatePem]),
    // Okta's default attribute statements are named firstName / lastName.
    attributeMappings: { firstName: 'firstName', lastName: 'lastName' },
    requireSignedAssertion: true,
    allowSha1: false,
  })) as { entityId: string; acsUrl: string };
  return { orgId, spEntityId: configuration.entityId, acsUrl: configuration.acsUrl };
}

export interface HttpRun {
  requests: number;
  seconds: number;
  /** Anything but a 303 to the expected URL that sets a session cookie. */
  failures: number;
  statusCodes: Record<string, number>;
  /** The first failure's status and body, for the error message. */
  firstFailure?: string;
  latenciesMs: Float64Array;
}

/**
 * POSTs `bodies[from..to)` (form-encoded SAMLResponse values) to `acsUrl`, `concurrency` at a
 * time over keep-alive connections, each body once, until `maxSeconds` have passed or those
 * bodies run out; returns how many were sent and how many were not a 303.
 */
export async function postAll(
  acsUrl: string,
  bodies: string[],
  range: { from: number; to: number },
  maxSeconds: number,
  concurrency: number,
  agent: Agent,
  expectLocation: string,
): Promise<HttpRun & { next: number }> {
  const { from } = range;
  const to = Math.min(range.to, bodies.length);
  const url = new URL(acsUrl);
  let next = from;
  let failures = 0;
  let firstFailure: string | undefined;
  const statusCodes: Record<string, number> = {};
  const latencies: number[] = [];
  const t0 = performance.now();
  const deadline = t0 + maxSeconds * 1000;

  const one = (body: string) =>
    new Promise<void>((resolve, reject) => {
      const sent = performance.now();
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            latencies.push(performance.now() - sent);
            const code = String(res.statusCode);
            statusCodes[code] = (statusCodes[code] ?? 0) + 1;
            const session = res.headers['set-cookie']?.some((c) => c.startsWith(SESSION_COOKIE));
            if (res.statusCode !== 303 || res.headers.location !== expectLocation || !session) {
              failures++;
              firstFailure ??= `${code} (location ${res.headers.location}, session cookie ${session ? 'set' : 'missing'}): ${Buffer.concat(chunks).toString('utf8').slice(0, 500)}`;
            }
            resolve();
          });
          res.on('error', reject);
        },
      );
      req.setTimeout(10_000, () => req.destroy(new Error('request timed out')));
      req.on('error', reject);
      req.end(body);
    });

  const loop = async () => {
    while (next < to && performance.now() < deadline) {
      const body = bodies[next++]!;
      await one(body);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const seconds = (performance.now() - t0) / 1000;
  return {
    requests: next - from,
    seconds,
    failures,
    statusCodes,
    ...(firstFailure ? { firstFailure } : {}),
    latenciesMs: Float64Array.from(latencies),
    next,
  };
}

export function formBody(samlResponseBase64: string): string {
  return `SAMLResponse=${encodeURIComponent(samlResponseBase64)}`;
}
