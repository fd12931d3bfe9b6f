/**
 * The other SAML implementations, in this process, each configured for the same SP entity ID,
 * ACS URL and IdP certificate as Drawbridge, so the very same signed responses are valid for
 * all of them:
 *  - @node-saml/node-saml `SAML.validatePostResponseAsync` (passport-saml's core), as strict as its
 *    options allow;
 *  - Ory Polis (@boxyhq/saml-jackson) `oauthController.samlResponse`, the IdP-initiated flow,
 *    on its in-memory engine (validation, profile mapping, authorization code stored).
 */
import { controllers, type SAMLJackson } from '@boxyhq/saml-jackson';
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import { idpMetadata } from '../../test/saml/http/idp-fixture.ts';
import type { TestIdentity } from '../../test/saml/response/support/keys.ts';
import { IDP_ENTITY_ID, IDP_SSO_URL } from './responses.ts';

export interface PeerTarget {
  spEntityId: string;
  acsUrl: string;
  idp: TestIdentity;
}

export type Check = (samlResponseBase64: string) => Promise<void>;

/** node-saml: both signatures required, audience checked, unsolicited responses accepted. */
export function nodeSaml(t: PeerTarget, clockSkewSeconds: number): Check {
  const saml = new SAML({
    callbackUrl: t.acsUrl,
    issuer: t.spEntityId,
    audience: t.spEntityId,
    idpIssuer: IDP_ENTITY_ID,
    idpCert: t.idp.certPem,
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: true,
    validateInResponseTo: ValidateInResponseTo.never,
    acceptedClockSkewMs: clockSkewSeconds * 1000,
  });
  return async (samlResponse) => {
    const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: samlResponse });
    if (!profile?.nameID) throw new Error('node-saml: no profile');
  };
}

export interface Polis {
  check: Check;
  close(): Promise<void>;
}

/** Ory Polis with one SAML connection for the bench IdP and IdP-initiated login enabled. */
export async function polis(t: PeerTarget, spKey: { certificatePem: string; privateKeyPem: string }) {
  const silent = () => {};
  const acs = new URL(t.acsUrl);
  const jackson: SAMLJackson = await controllers({
    externalUrl: acs.origin,
    samlPath: acs.pathname,
    samlAudience: t.spEntityId,
    idpEnabled: true,
    db: { engine: 'mem' },
    noAnalytics: true,
    // Polis would otherwise generate its SP certificate with node-forge (seconds).
    certs: {
      publicKey: Buffer.from(spKey.certificatePem).toString('base64'),
      privateKey: Buffer.from(spKey.privateKeyPem).toString('base64'),
    },
    logger: { info: silent, warn: silent, error: silent },
  });
  await jackson.connectionAPIController.createSAMLConnection({
    rawMetadata: idpMetadata(IDP_ENTITY_ID, IDP_SSO_URL, [t.idp.certPem]),
    defaultRedirectUrl: 'https://app.acme-bench.example/sso/callback',
    redirectUrl: ['https://app.acme-bench.example/*'],
    tenant: 'acme-bench',
    product: 'drawbridge-bench',
  });
  const check: Check = async (samlResponse) => {
    // No RelayState: Polis treats the response as IdP-initiated.
    const out = await jackson.oauthController.samlResponse({ SAMLResponse: samlResponse, RelayState: '' });
    if (out.error || !out.redirect_url?.includes('code=')) {
      throw new Error(`Polis refused the response: ${out.error ?? JSON.stringify(out).slice(0, 300)}`);
    }
  };
  return { check, close: () => jackson.close() } satisfies Polis;
}
