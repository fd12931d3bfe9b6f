/**
 * The benchmark's test vectors: Okta-like SAML Responses (Response and Assertion each signed
 * RSA-SHA256 with exclusive c14n and a KeyInfo certificate, an emailAddress NameID, eight
 * attributes including a multi-valued `groups`), built with the response tests' own builder
 * (test/saml/response/support/builder.ts, xml-crypto SignedXml: test vectors only), unsolicited
 * (no InResponseTo anywhere), each with its own Response ID, Assertion ID and SessionIndex.
 *
 * Also the forged and malformed variants of the "a refusal costs no more than a valid
 * response" check.
 */
import { randomBytes } from 'node:crypto';
import {
  ALG,
  buildResponse,
  EMAIL_FORMAT,
  mutate,
  NS_DSIG,
  one,
  type Parts,
  setText,
  sign,
} from '../../test/saml/response/support/builder.ts';
import type { TestIdentity } from '../../test/saml/response/support/keys.ts';

/** Okta's IdP entity IDs look like this (an http URL naming the app's IdP). */
export const IDP_ENTITY_ID = 'http://www.okta.com/exkbench0drawbridge0001';
export const IDP_SSO_URL = 'https://acme.okta.example/app/acme_drawbridge_1/exkbench0drawbridge0001/sso/saml';
export const EMAIL_DOMAIN = 'acme-bench.example';
/** Groups an Okta "groups" attribute statement sends; the first ones exist in Drawbridge. */
export const MAPPED_GROUPS = ['Engineering', 'Platform', 'On-call', 'Admins-Read'];
const OTHER_GROUPS = ['Everyone', 'okta-app-drawbridge-users', 'vpn-users'];

export interface Target {
  spEntityId: string;
  acsUrl: string;
  idp: TestIdentity;
}

export interface ResponseSpec {
  /** Which of the bench's users (user i of `users`). */
  user: number;
  /** Varies the group list so that repeated logins of one user add and remove groups. */
  variant: number;
}

const MINUTE = 60_000;
/** How long a response stays acceptable: the run, --wait-quiet included, must fit in it. */
export const VALID_MINUTES = 10;
const XS = 'http://www.w3.org/2001/XMLSchema';
const XS_STRING_VALUE =
  '<saml:AttributeValue xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="xs:string">';
const esc = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;');
const id = () => `id${randomBytes(16).toString('hex')}`;

export function emailOf(user: number): string {
  return `user${String(user).padStart(4, '0')}@${EMAIL_DOMAIN}`;
}

function groupsOf(spec: ResponseSpec): string[] {
  // Three of the four mapped groups, a different one left out per variant, plus the others.
  const mapped = MAPPED_GROUPS.filter((_, i) => i !== spec.variant % MAPPED_GROUPS.length);
  return [...OTHER_GROUPS.slice(0, 1), ...mapped, ...OTHER_GROUPS.slice(1)];
}

/** The unsigned Okta-like Response. */
export function unsignedResponse(target: Target, spec: ResponseSpec, now: number): string {
  const email = emailOf(spec.user);
  const n = String(spec.user).padStart(4, '0');
  const attributes: Array<[string, string[]]> = [
    ['email', [email]],
    ['firstName', [`Bench${n}`]],
    ['lastName', ['Userton-Smythe']],
    ['displayName', [`Bench${n} Userton-Smythe`]],
    ['department', ['Research &amp; Development']],
    ['title', ['Senior Software Engineer']],
    ['employeeNumber', [`E-${n}`]],
    ['groups', groupsOf(spec).map(esc)],
  ];
  const sessionIndex = id();
  const parts: Partial<Parts> = {
    responseId: id(),
    assertionId: id(),
    destination: target.acsUrl,
    responseInResponseTo: null,
    scdInResponseTo: null,
    responseIssuer: IDP_ENTITY_ID,
    issuer: IDP_ENTITY_ID,
    recipient: target.acsUrl,
    audiences: [target.spEntityId],
    nameIdXml: `<saml:NameID Format="${EMAIL_FORMAT}">${email}</saml:NameID>`,
    scdNotOnOrAfter: now + VALID_MINUTES * MINUTE,
    notBefore: now - 5 * MINUTE,
    notOnOrAfter: now + VALID_MINUTES * MINUTE,
    authnXml: `<saml:AuthnStatement AuthnInstant="${new Date(now).toISOString()}" SessionIndex="${sessionIndex}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`,
    attributes,
  };
  // Okta declares xs on the Assertion and types every AttributeValue as xs:string.
  return buildResponse(parts, undefined, now)
    .replace('<saml:Assertion ', `<saml:Assertion xmlns:xs="${XS}" `)
    .replaceAll('<saml:AttributeValue>', XS_STRING_VALUE);
}

/** The Response with the Assertion signed, then the Response (Okta's "sign both"). */
export function signedResponse(target: Target, spec: ResponseSpec, now: number): string {
  const o = { key: target.idp, signatureAlgorithm: ALG.rsaSha256, digestAlgorithm: ALG.sha256 };
  return sign(sign(unsignedResponse(target, spec, now), 'Assertion', o), 'Response', o);
}

/** The first SignatureValue (the Response's) with one base64 character changed. */
export function withBadSignatureValue(xml: string): string {
  return mutate(xml, (doc) => {
    const value = one(doc, NS_DSIG, 'SignatureValue');
    const text = value.textContent ?? '';
    const i = text.length >> 1;
    setText(value, text.slice(0, i) + (text[i] === 'A' ? 'B' : 'A') + text.slice(i + 1));
  });
}

/**
 * A NameID changed after signing (the classic tampering): the signature value is intact, the
 * assertion's digest no longer matches.
 */
export function withBadDigest(xml: string): string {
  const tampered = xml.replace(/(<saml:NameID [^>]*>)user/, '$1admin');
  if (tampered === xml) throw new Error('withBadDigest: no NameID to change');
  return tampered;
}

/** Not well-formed: the document cut off in the middle of the assertion. */
export function malformed(xml: string): string {
  return xml.slice(0, Math.floor(xml.length * 0.6));
}

/**
 * A valid signed response grown to about `bytes` by many extra AttributeValues of `groups`
 * (an IdP that sends every group a person is in), signed like the others.
 */
export function largeSignedResponse(target: Target, spec: ResponseSpec, now: number, bytes: number): string {
  const base = unsignedResponse(target, spec, now);
  const value = (i: number) =>
    `${XS_STRING_VALUE}okta-group-${String(i).padStart(6, '0')}-${'x'.repeat(40)}</saml:AttributeValue>`;
  const per = value(0).length;
  const count = Math.max(0, Math.ceil((bytes - base.length - 4000) / per));
  const extra = Array.from({ length: count }, (_, i) => value(i)).join('');
  const grown = base.replace(/(<saml:Attribute Name="groups"[^>]*>)/, `$1${extra}`);
  const o = { key: target.idp, signatureAlgorithm: ALG.rsaSha256, digestAlgorithm: ALG.sha256 };
  return sign(sign(grown, 'Assertion', o), 'Response', o);
}

export function base64(xml: string): string {
  return Buffer.from(xml, 'utf8').toString('base64');
}
