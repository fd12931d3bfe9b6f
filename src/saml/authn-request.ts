/**
 * The SP-initiated AuthnRequest (SAML Core 3.4.1) and its two front-channel bindings: the
 * HTTP-Redirect binding with DEFLATE encoding (Bindings 3.4.4.1), the usual one, and the
 * HTTP-POST binding (Bindings 3.5) for IdPs whose metadata lists only POST (Google Workspace,
 * some OneLogin and SecureWorks tenants).
 */

import { sign } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { SignedXml } from 'xml-crypto';
import { SamlConfigError } from './config-errors.ts';
import { loadRsaSigningKey } from './sp-keys.ts';
import { assertEntityId, assertHttpUrl } from './sp-metadata.ts';
import { escapeXml } from './xml-escape.ts';

export interface AuthnRequestInput {
  /** An NCName (starts with a letter or `_`) carrying at least 128 random bits (Core 1.3.4). */
  id: string;
  /** Epoch ms. */
  issueInstant: number;
  spEntityId: string;
  acsUrl: string;
  /** The IdP's SingleSignOnService Location for the binding used; its query is kept. */
  idpSsoUrl: string;
  nameIdFormat?: string;
  forceAuthn?: boolean;
  /** Opaque, at most 80 bytes (Bindings 3.4.3). */
  relayState?: string;
  /** PEM RSA private key. When set the request is signed with rsa-sha256. */
  signingKeyPem?: string;
  /**
   * Percent-encode with lowercase hex in the Redirect binding. AD FS re-encodes the query this
   * way before checking a signature, so a signed request to AD FS needs it.
   */
  lowercasePercentEncoding?: boolean;
  /** AuthnContextClassRef values the login must use (Core 3.3.2.2.1, Comparison exact), e.g. MFA. */
  requestedAuthnContexts?: readonly string[];
}

export const SIG_ALG_RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const MAX_RELAY_STATE_BYTES = 80;
// XML Namespaces NCName, ASCII subset: the ID is ours to generate, so nothing wider is needed.
const NCNAME = /^[A-Za-z_][A-Za-z0-9._-]{0,255}$/;

function checkInput(input: AuthnRequestInput): void {
  if (!NCNAME.test(input.id)) {
    throw new SamlConfigError(
      'saml_request_id_invalid',
      'the request ID must be an NCName (letter or _ first)',
    );
  }
  if (!Number.isFinite(input.issueInstant)) {
    throw new SamlConfigError('saml_text_invalid', 'the issue instant is not a time');
  }
  assertEntityId(input.spEntityId);
  assertHttpUrl(input.acsUrl, 'the ACS URL');
  assertHttpUrl(input.idpSsoUrl, 'the IdP SSO URL');
  if (input.relayState !== undefined && Buffer.byteLength(input.relayState, 'utf8') > MAX_RELAY_STATE_BYTES) {
    throw new SamlConfigError(
      'saml_relay_state_too_long',
      'RelayState must not exceed 80 bytes (Bindings 3.4.3)',
    );
  }
}

/**
 * The AuthnRequest XML, unsigned: the Redirect binding signs the query string instead (an
 * enveloped signature is not allowed there), the POST binding adds one (buildPostBinding).
 *
 * SAML Core 3.4.1 AuthnRequest, 3.2.1 RequestAbstractType.
 * @throws SamlConfigError `saml_request_id_invalid`, `saml_entity_id_invalid`,
 *   `saml_url_invalid`, `saml_relay_state_too_long`, `saml_text_invalid`.
 */
export function authnRequestXml(input: AuthnRequestInput): string {
  checkInput(input);
  const forceAuthn = input.forceAuthn ? ' ForceAuthn="true"' : '';
  // Without a requested format the IdP chooses (Core 3.4.1.1): asking for one it cannot
  // produce fails the login with InvalidNameIDPolicy.
  const nameIdPolicy =
    input.nameIdFormat === undefined
      ? ''
      : `<samlp:NameIDPolicy Format="${escapeXml(input.nameIdFormat, 'the NameID format')}" AllowCreate="true"/>`;
  // Core 3.4.1: RequestedAuthnContext follows NameIDPolicy (and Conditions, which we never send).
  const contexts = input.requestedAuthnContexts ?? [];
  const requested =
    contexts.length === 0
      ? ''
      : `<samlp:RequestedAuthnContext Comparison="exact">${contexts
          .map(
            (c) =>
              `<saml:AuthnContextClassRef>${escapeXml(c, 'an authentication context')}</saml:AuthnContextClassRef>`,
          )
          .join('')}</samlp:RequestedAuthnContext>`;
  return (
    '<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"' +
    ' xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"' +
    ` ID="${input.id}" Version="2.0" IssueInstant="${new Date(input.issueInstant).toISOString()}"` +
    ` Destination="${escapeXml(input.idpSsoUrl, 'the IdP SSO URL')}"${forceAuthn}` +
    ' ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"' +
    ` AssertionConsumerServiceURL="${escapeXml(input.acsUrl, 'the ACS URL')}">` +
    `<saml:Issuer>${escapeXml(input.spEntityId, 'the SP entity ID')}</saml:Issuer>` +
    `${nameIdPolicy}${requested}</samlp:AuthnRequest>`
  );
}

function percentEncode(value: string, lowercase: boolean): string {
  const encoded = encodeURIComponent(value);
  return lowercase ? encoded.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()) : encoded;
}

/** Appends parameters to a URL, keeping its own query (Google's ?idpid=) and dropping nothing. */
function withQuery(base: string, query: string): string {
  if (!base.includes('?')) return `${base}?${query}`;
  return base.endsWith('?') || base.endsWith('&') ? `${base}${query}` : `${base}&${query}`;
}

/**
 * The URL that sends the browser to the IdP with the AuthnRequest: SAMLRequest (DEFLATE,
 * base64, URL-encoded), RelayState, and when a key is given SigAlg and Signature over
 * `SAMLRequest=…&RelayState=…&SigAlg=…` exactly as those bytes appear in the URL.
 *
 * SAML Bindings 3.4.4.1 DEFLATE Encoding, 3.4.3 RelayState.
 * @throws SamlConfigError `saml_request_id_invalid`, `saml_entity_id_invalid`,
 *   `saml_url_invalid`, `saml_relay_state_too_long`, `saml_text_invalid`, `saml_key_invalid`.
 */
export function buildRedirectUrl(input: AuthnRequestInput): string {
  const xml = authnRequestXml(input);
  const lower = input.lowercasePercentEncoding === true;
  const encoded = deflateRawSync(Buffer.from(xml, 'utf8')).toString('base64');
  let query = `SAMLRequest=${percentEncode(encoded, lower)}`;
  // An empty RelayState is no RelayState: "RelayState=" would be signed and sent for nothing.
  if (input.relayState) query += `&RelayState=${percentEncode(input.relayState, lower)}`;
  if (input.signingKeyPem !== undefined) {
    const key = loadRsaSigningKey(input.signingKeyPem);
    query += `&SigAlg=${percentEncode(SIG_ALG_RSA_SHA256, lower)}`;
    const signature = sign('sha256', Buffer.from(query, 'utf8'), key).toString('base64');
    query += `&Signature=${percentEncode(signature, lower)}`;
  }
  return withQuery(input.idpSsoUrl, query);
}

export interface PostBindingRequest {
  /** The form's action: the IdP's HTTP-POST SingleSignOnService Location. */
  url: string;
  /** Form fields, not yet HTML-escaped: SAMLRequest (base64) and RelayState when given. */
  fields: { SAMLRequest: string; RelayState?: string };
}

/**
 * The AuthnRequest for the HTTP-POST binding: base64 of the XML, which carries an enveloped
 * signature (rsa-sha256, exclusive c14n, placed after Issuer) when a key is given. The caller
 * renders the auto-submitting form.
 *
 * SAML Bindings 3.5.4 Message Encoding, SAML Core 5.4 (XML Signature profile).
 * @throws SamlConfigError `saml_request_id_invalid`, `saml_entity_id_invalid`,
 *   `saml_url_invalid`, `saml_relay_state_too_long`, `saml_text_invalid`, `saml_key_invalid`.
 */
export function buildPostBinding(input: AuthnRequestInput): PostBindingRequest {
  let xml = authnRequestXml(input);
  if (input.signingKeyPem !== undefined) {
    const privateKey = loadRsaSigningKey(input.signingKeyPem);
    const signer = new SignedXml({
      privateKey,
      signatureAlgorithm: SIG_ALG_RSA_SHA256,
      canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
    });
    signer.addReference({
      xpath: "/*[local-name(.)='AuthnRequest']",
      transforms: [
        'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
        'http://www.w3.org/2001/10/xml-exc-c14n#',
      ],
      digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
    });
    // Core 5.4.1/5.4.2: the signature references the request's ID and follows Issuer (schema order).
    signer.computeSignature(xml, {
      prefix: 'ds',
      location: { reference: "/*/*[local-name(.)='Issuer']", action: 'after' },
    });
    xml = signer.getSignedXml();
  }
  const fields: PostBindingRequest['fields'] = { SAMLRequest: Buffer.from(xml, 'utf8').toString('base64') };
  if (input.relayState) fields.RelayState = input.relayState;
  return { url: input.idpSsoUrl, fields };
}
