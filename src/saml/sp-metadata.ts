/**
 * The SP metadata an administrator gives their IdP (SAML Metadata 2.0 §2.4.4
 * SPSSODescriptor): our entity ID, the ACS URL, and the certificates the IdP verifies our
 * requests with and encrypts assertions to. Every value is escaped; nothing is concatenated raw.
 */

import { SamlConfigError } from './config-errors.ts';
import { certificateBody } from './sp-keys.ts';
import { escapeXml, isXmlSafe } from './xml-escape.ts';

export interface SpMetadataInput {
  entityId: string;
  acsUrl: string;
  /** PEM; during a rotation both the old and the new certificate are published. */
  signingCertificates: string[];
  /** PEM; none means the IdP is not invited to encrypt. */
  encryptionCertificates: string[];
  /** Default DEFAULT_SP_NAME_ID_FORMATS. */
  nameIdFormats?: string[];
  authnRequestsSigned: boolean;
  wantAssertionsSigned: boolean;
  organisationName?: string;
  /** OrganizationURL; defaults to the origin of the ACS URL (the schema requires one). */
  organisationUrl?: string;
  /** Epoch ms. */
  validUntil?: number;
  /** EncryptionMethod advertised with the encryption keys; default DEFAULT_ENCRYPTION_METHODS. */
  encryptionMethods?: string[];
}

const NAMEID = 'urn:oasis:names:tc:SAML:';
/**
 * In order of preference: an IdP that honours the list (Shibboleth, SimpleSAMLphp) sends the
 * first it can. Email first because accounts are linked by email; persistent for a stable
 * subject; unspecified so that an IdP that can do neither still answers.
 */
export const DEFAULT_SP_NAME_ID_FORMATS: readonly string[] = [
  `${NAMEID}1.1:nameid-format:emailAddress`,
  `${NAMEID}2.0:nameid-format:persistent`,
  `${NAMEID}1.1:nameid-format:unspecified`,
];

/**
 * What the assertion decryption accepts, strongest first (XML Encryption 1.1 §5): IdPs that
 * read it (Shibboleth 4+) pick AES-GCM; CBC and RSA-OAEP-MGF1P stay for IdPs that send nothing
 * else (DESIGN.md). RSA 1.5 and 3DES are not offered.
 */
export const DEFAULT_ENCRYPTION_METHODS: readonly string[] = [
  'http://www.w3.org/2009/xmlenc11#aes256-gcm',
  'http://www.w3.org/2009/xmlenc11#aes128-gcm',
  'http://www.w3.org/2001/04/xmlenc#aes256-cbc',
  'http://www.w3.org/2001/04/xmlenc#aes128-cbc',
  'http://www.w3.org/2009/xmlenc11#rsa-oaep',
  'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
];

// SAML Metadata 2.0 §2.3.2: entityID is at most 1024 characters.
const MAX_ENTITY_ID = 1024;

/**
 * Checks an entity ID: 1 to 1024 characters, no surrounding or control whitespace.
 *
 * SAML Metadata 2.0 §2.3.2 (entityID), SAML Core 8.3.6 (entity identifier).
 * @throws SamlConfigError `saml_entity_id_invalid`.
 */
export function assertEntityId(entityId: string): void {
  if (
    entityId === '' ||
    entityId.length > MAX_ENTITY_ID ||
    entityId.trim() !== entityId ||
    !isXmlSafe(entityId)
  ) {
    throw new SamlConfigError(
      'saml_entity_id_invalid',
      'the entity ID must be 1 to 1024 characters without surrounding spaces',
    );
  }
}

/**
 * Checks that `value` is an absolute http(s) URL without whitespace or fragment, as endpoints
 * the browser is sent to must be (SAML Bindings 3.4.5, 3.5.5).
 *
 * @throws SamlConfigError `saml_url_invalid` (`field` names the input).
 */
export function assertHttpUrl(value: string, field: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (
    !url ||
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    /[\s#]/.test(value) ||
    !isXmlSafe(value)
  ) {
    throw new SamlConfigError(
      'saml_url_invalid',
      `${field} must be an absolute http(s) URL without a fragment`,
    );
  }
  return url;
}

function keyDescriptor(use: 'signing' | 'encryption', pem: string, methods: readonly string[]): string {
  const lines = [
    `    <md:KeyDescriptor use="${use}">`,
    '      <ds:KeyInfo>',
    `        <ds:X509Data><ds:X509Certificate>${certificateBody(pem)}</ds:X509Certificate></ds:X509Data>`,
    '      </ds:KeyInfo>',
    ...methods.map((m) => `      <md:EncryptionMethod Algorithm="${escapeXml(m, 'encryption method')}"/>`),
    '    </md:KeyDescriptor>',
  ];
  return lines.join('\n');
}

/** Distinct certificate PEMs, compared by their DER (a rotation may list one twice). */
function distinct(pems: string[]): string[] {
  const seen = new Map<string, string>();
  for (const pem of pems) {
    const body = certificateBody(pem);
    if (!seen.has(body)) seen.set(body, pem);
  }
  return [...seen.values()];
}

/**
 * Builds the SP's EntityDescriptor with one SPSSODescriptor: KeyDescriptors, NameIDFormats and
 * one AssertionConsumerService (HTTP-POST, index 0, default).
 *
 * SAML Metadata 2.0 §2.3.2 EntityDescriptor, §2.4.4 SPSSODescriptor, §2.4.1.1 KeyDescriptor,
 * §2.3.2.1 Organization.
 * @throws SamlConfigError `saml_entity_id_invalid`, `saml_url_invalid`,
 *   `saml_certificate_invalid` (a PEM that does not parse, or AuthnRequestsSigned without a
 *   signing certificate), `saml_text_invalid` (a value XML cannot carry).
 */
export function buildSpMetadata(input: SpMetadataInput): string {
  assertEntityId(input.entityId);
  const acs = assertHttpUrl(input.acsUrl, 'the ACS URL');
  const signing = distinct(input.signingCertificates);
  const encryption = distinct(input.encryptionCertificates);
  if (input.authnRequestsSigned && signing.length === 0) {
    // The IdP would be told to demand signatures it has no key to check.
    throw new SamlConfigError('saml_certificate_invalid', 'AuthnRequestsSigned needs a signing certificate');
  }
  const formats = input.nameIdFormats ?? DEFAULT_SP_NAME_ID_FORMATS;
  const methods = input.encryptionMethods ?? DEFAULT_ENCRYPTION_METHODS;

  let validUntil = '';
  if (input.validUntil !== undefined) {
    if (!Number.isFinite(input.validUntil))
      throw new SamlConfigError('saml_text_invalid', 'validUntil is not a time');
    validUntil = ` validUntil="${new Date(input.validUntil).toISOString()}"`;
  }

  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#"' +
      ` entityID="${escapeXml(input.entityId, 'the entity ID')}"${validUntil}>`,
    '  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"' +
      ` AuthnRequestsSigned="${input.authnRequestsSigned}" WantAssertionsSigned="${input.wantAssertionsSigned}">`,
    ...signing.map((pem) => keyDescriptor('signing', pem, [])),
    ...encryption.map((pem) => keyDescriptor('encryption', pem, methods)),
    ...formats.map((f) => `    <md:NameIDFormat>${escapeXml(f.trim(), 'a NameID format')}</md:NameIDFormat>`),
    '    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"' +
      ` Location="${escapeXml(input.acsUrl, 'the ACS URL')}" index="0" isDefault="true"/>`,
    '  </md:SPSSODescriptor>',
  ];
  if (input.organisationName !== undefined && input.organisationName.trim() !== '') {
    const name = escapeXml(input.organisationName.trim(), 'the organisation name');
    const url = assertHttpUrl(input.organisationUrl ?? `${acs.origin}/`, 'the organisation URL');
    // §2.3.2.1: all three children are required, each localised.
    lines.push(
      '  <md:Organization>',
      `    <md:OrganizationName xml:lang="en">${name}</md:OrganizationName>`,
      `    <md:OrganizationDisplayName xml:lang="en">${name}</md:OrganizationDisplayName>`,
      `    <md:OrganizationURL xml:lang="en">${escapeXml(url.href, 'the organisation URL')}</md:OrganizationURL>`,
      '  </md:Organization>',
    );
  }
  lines.push('</md:EntityDescriptor>', '');
  return lines.join('\n');
}
