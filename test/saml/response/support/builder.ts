/**
 * Test-only SAML Response generator (attacks.md §0.2): the baseline Response for IdP A and SP A,
 * signed with xml-crypto's SignedXml (test vectors only: the validator under test never signs),
 * in the three variants RA (Response and Assertion signed), A (Assertion only), R (Response
 * only), plus DOM mutation helpers for building attacks.
 *
 * Values given to `buildResponse` are inserted as raw XML on purpose, so that tests can inject
 * comments, CDATA or markup; the defaults are plain text.
 */
import { createHash, createSign } from 'node:crypto';
import { DOMParser, type Document, type Element, XMLSerializer } from '@xmldom/xmldom';
import { ExclusiveCanonicalization, SignedXml } from 'xml-crypto';
import { IDP_A_KEY, type TestIdentity } from './keys.ts';

export const NOW = Date.parse('2025-06-02T10:00:00.000Z');
export const IDP_A = 'https://idp-a.test/';
export const IDP_B = 'https://idp-b.test/';
export const SP_ENTITY_A = 'https://sp.test/api/v1/auth/saml/acme-okta/metadata/';
export const SP_ENTITY_B = 'https://sp.test/api/v1/auth/saml/globex-okta/metadata/';
export const ACS_A = 'https://sp.test/api/v1/auth/saml/acme-okta/response/';
export const ACS_B = 'https://sp.test/api/v1/auth/saml/globex-okta/response/';
export const REQUEST_ID = '_req1';

export const NS_PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';
export const NS_ASSERTION = 'urn:oasis:names:tc:SAML:2.0:assertion';
export const NS_DSIG = 'http://www.w3.org/2000/09/xmldsig#';
export const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
export const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
export const EMAIL_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';

export const ALG = {
  rsaSha1: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
  rsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  rsaSha512: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
  rsaPss: 'http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1',
  hmacSha1: 'http://www.w3.org/2000/09/xmldsig#hmac-sha1',
  sha1: 'http://www.w3.org/2000/09/xmldsig#sha1',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  excC14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  excC14nComments: 'http://www.w3.org/2001/10/xml-exc-c14n#WithComments',
  c14n: 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
  enveloped: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
} as const;

const iso = (ms: number) => new Date(ms).toISOString();
const MINUTE = 60_000;

export interface Parts {
  responseId: string;
  responseVersion: string;
  destination: string | null;
  responseInResponseTo: string | null;
  /** Raw XML content of the Response Issuer; null leaves the element out. */
  responseIssuer: string | null;
  statusXml: string;
  /** Raw XML placed between Status and the assertion (Extensions, decoys). */
  beforeAssertion: string;
  /** Raw XML after the assertion. */
  afterAssertion: string;
  assertionId: string;
  assertionVersion: string;
  issuer: string | null;
  /** Raw XML of the whole NameID element, or '' for none. */
  nameIdXml: string;
  method: string;
  recipient: string | null;
  scdNotOnOrAfter: number | null;
  scdNotBefore: number | null;
  scdInResponseTo: string | null;
  /** Raw XML of the whole SubjectConfirmation list; overrides the fields above when set. */
  confirmationsXml: string | null;
  /** Raw XML of the whole Conditions element; overrides the defaults when set ('' = none). */
  conditionsXml: string | null;
  notBefore: number | null;
  notOnOrAfter: number | null;
  audiences: string[];
  /** Raw XML of the AuthnStatement(s). */
  authnXml: string | null;
  sessionNotOnOrAfter: number | null;
  /** Attribute name → raw XML values. */
  attributes: Array<[string, string[]]>;
  /** Raw XML appended inside the assertion, after the statements. */
  assertionExtra: string;
}

export function defaultParts(now = NOW): Parts {
  return {
    responseId: '_r1',
    responseVersion: '2.0',
    destination: ACS_A,
    responseInResponseTo: REQUEST_ID,
    responseIssuer: IDP_A,
    statusXml: `<samlp:Status><samlp:StatusCode Value="${SUCCESS}"/></samlp:Status>`,
    beforeAssertion: '',
    afterAssertion: '',
    assertionId: '_a1',
    assertionVersion: '2.0',
    issuer: IDP_A,
    nameIdXml: `<saml:NameID Format="${EMAIL_FORMAT}">alice@orga.test</saml:NameID>`,
    method: BEARER,
    recipient: ACS_A,
    scdNotOnOrAfter: now + 5 * MINUTE,
    scdNotBefore: null,
    scdInResponseTo: REQUEST_ID,
    confirmationsXml: null,
    conditionsXml: null,
    notBefore: now - MINUTE,
    notOnOrAfter: now + 5 * MINUTE,
    audiences: [SP_ENTITY_A],
    authnXml: null,
    sessionNotOnOrAfter: null,
    attributes: [
      ['email', ['alice@orga.test']],
      ['role', ['member']],
      ['groups', ['eng', 'ops']],
    ],
    assertionExtra: '',
  };
}

const opt = (name: string, value: string | null) => (value === null ? '' : ` ${name}="${value}"`);
const optTime = (name: string, value: number | null) => (value === null ? '' : ` ${name}="${iso(value)}"`);

/** The assertion element alone (namespaces declared on it, so it also stands alone). */
export function buildAssertion(overrides: Partial<Parts> = {}, now = NOW): string {
  const p = { ...defaultParts(now), ...overrides };
  const confirmations =
    p.confirmationsXml ??
    `<saml:SubjectConfirmation Method="${p.method}"><saml:SubjectConfirmationData${opt('InResponseTo', p.scdInResponseTo)}${opt('Recipient', p.recipient)}${optTime('NotOnOrAfter', p.scdNotOnOrAfter)}${optTime('NotBefore', p.scdNotBefore)}/></saml:SubjectConfirmation>`;
  const conditions =
    p.conditionsXml ??
    `<saml:Conditions${optTime('NotBefore', p.notBefore)}${optTime('NotOnOrAfter', p.notOnOrAfter)}><saml:AudienceRestriction>${p.audiences.map((a) => `<saml:Audience>${a}</saml:Audience>`).join('')}</saml:AudienceRestriction></saml:Conditions>`;
  const authn =
    p.authnXml ??
    `<saml:AuthnStatement AuthnInstant="${iso(now)}" SessionIndex="_s1"${optTime('SessionNotOnOrAfter', p.sessionNotOnOrAfter)}><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`;
  const attributes =
    p.attributes.length === 0
      ? ''
      : `<saml:AttributeStatement>${p.attributes
          .map(
            ([name, values]) =>
              `<saml:Attribute Name="${name}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">${values.map((v) => `<saml:AttributeValue>${v}</saml:AttributeValue>`).join('')}</saml:Attribute>`,
          )
          .join('')}</saml:AttributeStatement>`;
  return [
    `<saml:Assertion xmlns:saml="${NS_ASSERTION}" ID="${p.assertionId}" Version="${p.assertionVersion}" IssueInstant="${iso(now)}">`,
    p.issuer === null ? '' : `<saml:Issuer>${p.issuer}</saml:Issuer>`,
    `<saml:Subject>${p.nameIdXml}${confirmations}</saml:Subject>`,
    conditions,
    authn,
    attributes,
    p.assertionExtra,
    '</saml:Assertion>',
  ].join('');
}

/** The unsigned baseline Response, with `overrides` applied. `assertionXml` replaces the assertion. */
export function buildResponse(overrides: Partial<Parts> = {}, assertionXml?: string, now = NOW): string {
  const p = { ...defaultParts(now), ...overrides };
  return [
    `<samlp:Response xmlns:samlp="${NS_PROTOCOL}" xmlns:saml="${NS_ASSERTION}" ID="${p.responseId}" Version="${p.responseVersion}" IssueInstant="${iso(now)}"${opt('Destination', p.destination)}${opt('InResponseTo', p.responseInResponseTo)}>`,
    p.responseIssuer === null ? '' : `<saml:Issuer>${p.responseIssuer}</saml:Issuer>`,
    p.statusXml,
    p.beforeAssertion,
    assertionXml ?? buildAssertion(overrides, now),
    p.afterAssertion,
    '</samlp:Response>',
  ].join('');
}

export interface SignOptions {
  key?: TestIdentity;
  signatureAlgorithm?: string;
  digestAlgorithm?: string;
  canonicalization?: string;
  transforms?: string[];
  /** Lets xml-crypto sign with HMAC (S-KEY-4), keyed with `key.certPem`. */
  hmac?: boolean;
  /** InclusiveNamespaces PrefixList of the reference's exclusive c14n transform. */
  inclusivePrefixes?: string[];
  /** Where the signature goes: after the Issuer (default, as the schema orders it) or last (Auth0). */
  placement?: 'afterIssuer' | 'last';
}

const XPATH = {
  Assertion: `//*[local-name(.)='Assertion' and namespace-uri(.)='${NS_ASSERTION}']`,
  Response: `/*[local-name(.)='Response']`,
} as const;

/** Signs the (first) Assertion or the Response, the signature placed right after its Issuer. */
export function sign(xml: string, target: 'Assertion' | 'Response', o: SignOptions = {}): string {
  const key = o.key ?? IDP_A_KEY;
  const signer = new SignedXml({
    privateKey: o.hmac ? key.certPem : key.privateKeyPem,
    publicCert: key.certPem,
    signatureAlgorithm: o.signatureAlgorithm ?? ALG.rsaSha256,
    canonicalizationAlgorithm: o.canonicalization ?? ALG.excC14n,
  });
  if (o.hmac) signer.enableHMAC();
  signer.addReference({
    xpath: XPATH[target],
    digestAlgorithm: o.digestAlgorithm ?? ALG.sha256,
    transforms: o.transforms ?? [ALG.enveloped, ALG.excC14n],
    ...(o.inclusivePrefixes ? { inclusiveNamespacesPrefixList: o.inclusivePrefixes } : {}),
  });
  const doc = parse(xml);
  const element = target === 'Response' ? doc.documentElement! : one(doc, NS_ASSERTION, 'Assertion');
  const hasIssuer = firstChildNamed(element, NS_ASSERTION, 'Issuer') !== null;
  signer.computeSignature(xml, {
    prefix: 'ds',
    location:
      o.placement === 'last'
        ? { reference: XPATH[target], action: 'append' }
        : hasIssuer
          ? { reference: `${XPATH[target]}/*[local-name(.)='Issuer']`, action: 'after' }
          : { reference: XPATH[target], action: 'prepend' },
  });
  return signer.getSignedXml();
}

export const signedA = (parts: Partial<Parts> = {}, o?: SignOptions) =>
  sign(buildResponse(parts), 'Assertion', o);
export const signedR = (parts: Partial<Parts> = {}, o?: SignOptions) =>
  sign(buildResponse(parts), 'Response', o);
export const signedRA = (parts: Partial<Parts> = {}, o?: SignOptions) =>
  sign(sign(buildResponse(parts), 'Assertion', o), 'Response', o);

/** Parses test XML; any parse problem throws (quietly: xmldom would log it to the console). */
export function parse(xml: string): Document {
  return new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning') throw new Error(message);
    },
  }).parseFromString(xml, 'text/xml');
}

export function serialize(doc: Document | Element): string {
  return new XMLSerializer().serializeToString(doc);
}

/** Parses, lets `edit` change the DOM, serializes. */
export function mutate(xml: string, edit: (doc: Document) => void): string {
  const doc = parse(xml);
  edit(doc);
  return serialize(doc);
}

export function firstChildNamed(el: Element, ns: string, local: string): Element | null {
  for (let c = el.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === 1 && c.namespaceURI === ns && (c as Element).localName === local) return c as Element;
  }
  return null;
}

/** Every element {ns}local in document order. */
export function all(doc: Document | Element, ns: string, local: string): Element[] {
  return Array.from(doc.getElementsByTagNameNS(ns, local));
}

export function one(doc: Document | Element, ns: string, local: string, index = 0): Element {
  const el = all(doc, ns, local)[index];
  if (!el) throw new Error(`no ${local} #${index}`);
  return el;
}

export const assertionOf = (doc: Document, i = 0) => one(doc, NS_ASSERTION, 'Assertion', i);
export const signatureOf = (el: Element) => firstChildNamed(el, NS_DSIG, 'Signature')!;
export const nameIdOf = (doc: Document, i = 0) => one(doc, NS_ASSERTION, 'NameID', i);

/** Replaces an element's text. */
export function setText(el: Element, text: string): void {
  while (el.firstChild) el.removeChild(el.firstChild);
  el.appendChild(el.ownerDocument!.createTextNode(text));
}

/** Exclusive canonical form of `el` without its enveloped signature (what the baseline digests). */
export function excC14nWithoutSignature(el: Element): string {
  const copy = el.cloneNode(true) as Element;
  const sig = firstChildNamed(copy, NS_DSIG, 'Signature');
  if (sig) copy.removeChild(sig);
  return new ExclusiveCanonicalization().process(copy as never, {});
}

/** Recomputes the DigestValue of `signature`'s reference from its parent as it is now. */
export function redigest(signature: Element): void {
  const digest = createHash('sha256')
    .update(excC14nWithoutSignature(signature.parentNode as Element))
    .digest('base64');
  setText(one(signature, NS_DSIG, 'DigestValue'), digest);
}

/**
 * Re-signs `signature`'s SignedInfo as it is now (exclusive c14n, RSA-SHA256), so that a
 * SignedInfo edited by a test carries a genuine SignatureValue from `key`.
 */
export function resign(signature: Element, key: TestIdentity = IDP_A_KEY, hash = 'RSA-SHA256'): void {
  const signedInfo = one(signature, NS_DSIG, 'SignedInfo');
  const canon = new ExclusiveCanonicalization().process(signedInfo.cloneNode(true) as never, {});
  const value = createSign(hash).update(canon).sign(key.privateKeyPem, 'base64');
  setText(one(signature, NS_DSIG, 'SignatureValue'), value);
}

export function b64(xml: string): string {
  return Buffer.from(xml, 'utf8').toString('base64');
}
