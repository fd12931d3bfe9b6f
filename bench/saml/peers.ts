/**
 * The other SAML implementations, in this process, each configured for the same SP entity ID,
 * ACS URL and IdP certificate as Drawbridge, so the very same signed responses are valid for
 * all of them:
 *  - @node-saml/node-saml `SAML.validatePostResponseAsync` (passport-saml's core), as strict as its
 *    options allow;
 *  - Ory Polis (@boxyhq/saml-jackson) `oauthController.samlResponse`, the IdP-initiated flow,
 *    on its in-memory engine (validation, profile mapping, authorization code stored).
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { idpMetadata } from '../../test/saml/http/idp-fixture.ts';
import type { TestIdentity } from '../../test/saml/response/support/keys.ts';
import { IDP_ENTITY_ID, IDP_SSO_URL } from './responses.ts';

// The peers live in bench/peers (installed by `npm run bench:saml`), not in the project's
// dependencies; only the few calls used here are typed.
interface NodeSamlModule {
  SAML: new (
    options: Record<string, unknown>,
  ) => {
    validatePostResponseAsync(body: {
      SAMLResponse: string;
    }): Promise<{ profile: { nameID?: string } | null }>;
  };
  ValidateInResponseTo: { never: unknown };
}

interface JacksonModule {
  controllers(options: Record<string, unknown>): Promise<{
    connectionAPIController: { createSAMLConnection(connection: Record<string, unknown>): Promise<unknown> };
    oauthController: {
      samlResponse(body: {
        SAMLResponse: string;
        RelayState: string;
      }): Promise<{ error?: string; redirect_url?: string }>;
    };
    close(): Promise<void>;
  }>;
}

const peersRequire = createRequire(new URL('../peers/package.json', import.meta.url));

async function loadPeer<T>(name: string): Promise<T> {
  let entry: string;
  try {
    entry = peersRequire.resolve(name);
  } catch {
    throw new Error(`${name} is not installed: run \`npm run bench:saml\` (it installs bench/peers first)`);
  }
  // Both are CommonJS: their exports are on the namespace or, when Node cannot list them, on default.
  const loaded = (await import(pathToFileURL(entry).href)) as Record<string, unknown> & { default?: object };
  return { ...(loaded.default ?? {}), ...loaded } as T;
}

export interface PeerTarget {
  spEntityId: string;
  acsUrl: string;
  idp: TestIdentity;
}

export type Check = (samlResponseBase64: string) => Promise<void>;

/** node-saml: both signatures required, audience checked, unsolicited responses accepted. */
export async function nodeSaml(t: PeerTarget, clockSkewSeconds: number): Promise<Check> {
  const { SAML, ValidateInResponseTo } = await loadPeer<NodeSamlModule>('@node-saml/node-saml');
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
  const { controllers } = await loadPeer<JacksonModule>('@boxyhq/saml-jackson');
  const jackson = await controllers({
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
