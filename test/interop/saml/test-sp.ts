/**
 * Test-only stand-ins for Drawbridge's SP, so the harness can be proven on its own: an SP key
 * pair and metadata, a minimal AuthnRequest on the HTTP-Redirect binding, the xmlsec1 binary as
 * an independent verifier and decrypter, and a reader for what a SAMLResponse says.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { certBase64, generateKeyPair, requireFiles, type SpDescription } from './common.ts';

export interface TestSp extends SpDescription {
  keyPem: string;
  certPem: string;
}

/** An SP on 127.0.0.1 (nothing listens there: the browser stops at the POST form). */
export function createTestSp(name = `sp-${randomBytes(4).toString('hex')}`): TestSp {
  const { keyPem, certPem } = generateKeyPair(`${name}.test`);
  const entityId = `http://127.0.0.1:4200/${name}`;
  const acsUrl = `http://127.0.0.1:4200/${name}/acs`;
  const keyInfo = `<ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certBase64(certPem)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>`;
  const metadataXml = `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${entityId}">
  <md:SPSSODescriptor AuthnRequestsSigned="false" WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">${keyInfo}</md:KeyDescriptor>
    <md:KeyDescriptor use="encryption">${keyInfo}</md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${acsUrl}" index="0" isDefault="true"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
`;
  return { entityId, acsUrl, metadataXml, keyPem, certPem };
}

/** What Drawbridge's /login/ would redirect to: the IdP's SSO URL with a deflated AuthnRequest. */
export function authnRequestRedirect(
  sp: SpDescription,
  ssoRedirectUrl: string,
  relayState?: string,
): { url: string; requestId: string } {
  const requestId = `_${randomBytes(16).toString('hex')}`;
  const xml =
    '<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"' +
    ` ID="${requestId}" Version="2.0" IssueInstant="${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}"` +
    ` Destination="${ssoRedirectUrl}" AssertionConsumerServiceURL="${sp.acsUrl}"` +
    ' ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST">' +
    `<saml:Issuer>${sp.entityId}</saml:Issuer>` +
    '<samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress" AllowCreate="true"/>' +
    '</samlp:AuthnRequest>';
  const url = new URL(ssoRedirectUrl);
  url.searchParams.set('SAMLRequest', deflateRawSync(Buffer.from(xml)).toString('base64'));
  if (relayState !== undefined) url.searchParams.set('RelayState', relayState);
  return { url: url.href, requestId };
}

function xmlsec1(args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  requireFiles('xmlsec1', ['/usr/bin/xmlsec1']);
  return new Promise((done) => {
    execFile('/usr/bin/xmlsec1', args, { timeout: 10_000, encoding: 'utf8' }, (error, stdout, stderr) =>
      done({ ok: error === null, stdout, stderr }),
    );
  });
}

function withFiles<T>(files: Record<string, string>, use: (paths: Record<string, string>) => Promise<T>) {
  const dir = mkdtempSync(join(tmpdir(), 'drawbridge-xmlsec-'));
  const paths: Record<string, string> = {};
  for (const [name, content] of Object.entries(files)) {
    paths[name] = join(dir, name);
    writeFileSync(paths[name], content);
  }
  return use(paths).finally(() => rmSync(dir, { recursive: true, force: true }));
}

/**
 * Checks the XML-DSig signature of the Response or of the Assertion with xmlsec1, pinned to
 * `certPem` (`--enabled-key-data key-name`: a key embedded in the document is not used).
 */
export function xmlsecVerify(xml: string, certPem: string, element: 'Response' | 'Assertion') {
  return withFiles({ 'doc.xml': xml, 'idp.crt': certPem }, (p) =>
    xmlsec1([
      '--verify',
      '--enabled-key-data',
      'key-name',
      '--pubkey-cert-pem',
      p['idp.crt'] ?? '',
      '--id-attr:ID',
      'urn:oasis:names:tc:SAML:2.0:protocol:Response',
      '--id-attr:ID',
      'urn:oasis:names:tc:SAML:2.0:assertion:Assertion',
      '--node-xpath',
      `/*[local-name()="Response"]${element === 'Assertion' ? '//*[local-name()="Assertion"]' : ''}/*[local-name()="Signature"]`,
      p['doc.xml'] ?? '',
    ]),
  );
}

/** Decrypts the EncryptedAssertion with the SP's key; the assertion replaces the EncryptedData. */
export async function xmlsecDecrypt(xml: string, keyPem: string): Promise<string> {
  const result = await withFiles({ 'doc.xml': xml, 'sp.key': keyPem }, (p) =>
    xmlsec1(['--decrypt', '--privkey-pem', p['sp.key'] ?? '', p['doc.xml'] ?? '']),
  );
  if (!result.ok) throw new Error(`xmlsec1 --decrypt failed: ${result.stderr}`);
  return result.stdout;
}

const SAMLP = 'urn:oasis:names:tc:SAML:2.0:protocol';
const SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';
const DS = 'http://www.w3.org/2000/09/xmldsig#';

export interface ResponseFacts {
  destination: string | null;
  inResponseTo: string | null;
  subjectInResponseTo: string | null;
  issuer: string | null;
  status: string | null;
  responseSigned: boolean;
  assertionSigned: boolean;
  encrypted: boolean;
  audience: string | null;
  nameId: string | null;
  nameIdFormat: string | null;
  attributes: Record<string, { nameFormat: string | null; values: string[] }>;
}

function children(parent: Element, ns: string, name: string): Element[] {
  const out: Element[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === 1 && node.namespaceURI === ns && node.localName === name) out.push(node as Element);
  }
  return out;
}

function first(root: Element, ns: string, name: string): Element | undefined {
  return root.getElementsByTagNameNS(ns, name)[0] ?? undefined;
}

/** What a (decrypted) SAMLResponse says, read with a namespace-aware parser. */
export function readResponse(xml: string): ResponseFacts {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const response = doc.documentElement;
  if (!response || response.namespaceURI !== SAMLP || response.localName !== 'Response') {
    throw new Error(`not a samlp:Response: ${xml.slice(0, 200)}`);
  }
  const assertion = first(response, SAML, 'Assertion');
  const text = (el: Element | undefined) => el?.textContent?.trim() ?? null;
  const attributes: ResponseFacts['attributes'] = {};
  for (const attribute of assertion ? Array.from(assertion.getElementsByTagNameNS(SAML, 'Attribute')) : []) {
    attributes[attribute.getAttribute('Name') ?? ''] = {
      nameFormat: attribute.getAttribute('NameFormat'),
      values: children(attribute, SAML, 'AttributeValue').map((v) => v.textContent?.trim() ?? ''),
    };
  }
  const nameId = assertion ? first(assertion, SAML, 'NameID') : undefined;
  const confirmation = assertion ? first(assertion, SAML, 'SubjectConfirmationData') : undefined;
  return {
    destination: response.getAttribute('Destination'),
    inResponseTo: response.getAttribute('InResponseTo'),
    subjectInResponseTo: confirmation?.getAttribute('InResponseTo') ?? null,
    issuer: text(children(response, SAML, 'Issuer')[0]),
    status: first(response, SAMLP, 'StatusCode')?.getAttribute('Value') ?? null,
    responseSigned: children(response, DS, 'Signature').length > 0,
    assertionSigned: assertion ? children(assertion, DS, 'Signature').length > 0 : false,
    encrypted: children(response, SAML, 'EncryptedAssertion').length > 0,
    audience: assertion ? text(first(assertion, SAML, 'Audience')) : null,
    nameId: text(nameId),
    nameIdFormat: nameId?.getAttribute('Format') ?? null,
    attributes,
  };
}
