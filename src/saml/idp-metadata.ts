/**
 * Reads an identity provider's SAML metadata (SAML Metadata 2.0) into the few values the SP
 * needs: entity ID, SingleSignOnService URLs, signing certificates, NameID formats.
 *
 * The document is an administrator's upload, so it is treated as hostile input: size-limited,
 * refused unless well-formed, no DTD (no entity expansion, no external entities), and, when a
 * signature is required, read only from the bytes the signature covers (xml-crypto's signed
 * references, parsed again), never from the original tree.
 */

import { X509Certificate } from 'node:crypto';
import type { Element } from '@xmldom/xmldom';
import { signerKeys, verifiedElement } from './metadata-signature.ts';
import { assertMetadataRoot, attr, children, DS, fail, is, MD, parseStrict } from './metadata-xml.ts';
import { derToPem } from './sp-keys.ts';
import { assertHttpUrl } from './sp-metadata.ts';

export interface IdpMetadata {
  entityId: string;
  /** SingleSignOnService by binding; the first endpoint of each binding wins, others are ignored. */
  ssoUrls: { redirect?: string; post?: string };
  /** PEM; every KeyDescriptor with use="signing" or without use, deduplicated, document order. */
  signingCertificates: string[];
  /** PEM; every KeyDescriptor with use="encryption" or without use, deduplicated. */
  encryptionCertificates: string[];
  nameIdFormats: string[];
  wantAuthnRequestsSigned: boolean;
  /** Epoch ms: the earliest validUntil of the document, the entity and its IdP role; or null. */
  validUntil: number | null;
}

export interface MetadataParseOptions {
  /** Picks this IdP from an EntitiesDescriptor; required when it holds several IdPs. */
  entityId?: string;
  /** When true, the document (or the chosen entity) must carry a valid signature by a signer. */
  requireSignature?: boolean;
  /** PEM certificates trusted to sign the metadata (a federation's or the IdP's key). */
  signerCertificates?: string[];
  /** Signatures or digests with SHA-1 are refused unless this is true. */
  allowSha1Signature?: boolean;
  /** Epoch ms for the validUntil check; defaults to the current time. */
  now?: number;
  /** Default false: real exports (Google's among them) carry long-past validUntil values. */
  enforceValidUntil?: boolean;
  /** Default 1 MiB (UTF-8 bytes). */
  maxBytes?: number;
}

const SAML2_PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';
const BINDING_REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const BINDING_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const DEFAULT_MAX_BYTES = 1024 * 1024;
// SAML Metadata 2.0 §2.3.2: entityID is at most 1024 characters.
const MAX_ENTITY_ID = 1024;

/** xs:boolean (XML Schema 2 §3.2.2): true, false, 1, 0 after whitespace collapse. */
function xsBoolean(el: Element, name: string, fallback: boolean): boolean {
  const raw = attr(el, name);
  if (raw === null) return fallback;
  const v = raw.trim();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  fail('saml_metadata_malformed', `${el.localName}/@${name} is not a boolean`);
}

const DATE_TIME = /^(-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

/** validUntil as epoch ms (xs:dateTime; without a zone it is read as UTC, as SAML Core 1.3.3 requires). */
function validUntilOf(el: Element): number | null {
  const raw = attr(el, 'validUntil');
  if (raw === null) return null;
  const m = DATE_TIME.exec(raw.trim());
  const ms = m ? Date.parse(`${m[1]}${(m[2] ?? '').slice(0, 4)}${m[3] ?? 'Z'}`) : Number.NaN;
  if (!Number.isFinite(ms)) fail('saml_metadata_malformed', `${el.localName}/@validUntil is not a dateTime`);
  return ms;
}

function entityIdOf(entity: Element): string {
  const id = attr(entity, 'entityID');
  if (id === null || id.trim() === '' || id.length > MAX_ENTITY_ID) {
    fail('saml_metadata_malformed', 'EntityDescriptor/@entityID must be 1 to 1024 characters');
  }
  return id;
}

/** SAML Metadata 2.0 §2.4.3: the IDPSSODescriptors that support SAML 2.0. */
function idpRoles(entity: Element): Element[] {
  return children(entity, MD, 'IDPSSODescriptor').filter((role) =>
    (attr(role, 'protocolSupportEnumeration') ?? '').split(/\s+/).includes(SAML2_PROTOCOL),
  );
}

interface Candidate {
  entity: Element;
  /** validUntil of the enclosing EntitiesDescriptors (SAML Metadata 2.0 §2.3.1). */
  inherited: number[];
}

function collectEntities(el: Element, inherited: number[], out: Candidate[]): void {
  const here = validUntilOf(el);
  const chain = here === null ? inherited : [...inherited, here];
  if (is(el, 'EntityDescriptor')) {
    out.push({ entity: el, inherited });
    return;
  }
  for (let n = el.firstChild; n; n = n.nextSibling) {
    const e = n as Element;
    if (n.nodeType === 1 && (is(e, 'EntityDescriptor') || is(e, 'EntitiesDescriptor'))) {
      collectEntities(e, chain, out);
    }
  }
}

/** SAML Metadata 2.0 §2.3.1: picks the IdP entity, by `entityId` when given. */
function selectEntity(root: Element, entityId: string | undefined): Candidate {
  const all: Candidate[] = [];
  collectEntities(root, [], all);
  if (entityId !== undefined) {
    const matches = all.filter((c) => attr(c.entity, 'entityID') === entityId);
    if (matches.length === 0) fail('saml_metadata_entity_not_found', `no entity ${entityId} in the metadata`);
    if (matches.length > 1) fail('saml_metadata_entity_ambiguous', `entity ${entityId} appears twice`);
    return matches[0]!;
  }
  // Any IdP role counts, SAML 1 ones too: in an aggregate of ten IdPs, silently taking the only
  // SAML 2.0 one could bind the configuration to another organisation's IdP.
  const idps = all.filter((c) => children(c.entity, MD, 'IDPSSODescriptor').length > 0);
  if (idps.length > 1) {
    const ids = idps.slice(0, 5).map((c) => attr(c.entity, 'entityID'));
    fail(
      'saml_metadata_entity_ambiguous',
      `the metadata holds ${idps.length} IdPs; choose one by entity ID (${ids.join(', ')}${idps.length > 5 ? ', …' : ''})`,
    );
  }
  // With no IdP at all, the first entity is returned so that the error can name it.
  return idps[0] ?? all[0] ?? fail('saml_metadata_not_idp', 'the metadata describes no entity');
}

/** An absolute http(s) URL: a javascript: or data: Location would become a redirect target. */
function endpointUrl(location: string | null, binding: string): string {
  const value = (location ?? '').trim();
  try {
    assertHttpUrl(value, 'Location');
  } catch (cause) {
    fail(
      'saml_metadata_sso_url_invalid',
      `SingleSignOnService (${binding}) Location is not an http(s) URL`,
      cause,
    );
  }
  return value;
}

function readCertificate(base64: string): X509Certificate | undefined {
  try {
    return /^[A-Za-z0-9+/]+={0,2}$/.test(base64)
      ? new X509Certificate(Buffer.from(base64, 'base64'))
      : undefined;
  } catch {
    return undefined;
  }
}

/** SAML Metadata 2.0 §2.4.1.1: the X.509 certificates of one KeyDescriptor, as PEM. */
function keyDescriptorCertificates(kd: Element, index: number): string[] {
  const pems: string[] = [];
  for (const keyInfo of children(kd, DS, 'KeyInfo')) {
    for (const data of children(keyInfo, DS, 'X509Data')) {
      for (const certEl of children(data, DS, 'X509Certificate')) {
        const certificate = readCertificate((certEl.textContent ?? '').replace(/\s+/g, ''));
        if (!certificate) {
          fail(
            'saml_metadata_certificate_invalid',
            `KeyDescriptor ${index + 1} holds an unreadable certificate`,
          );
        }
        // Re-encoded from the parsed DER so equal certificates compare equal, however wrapped.
        pems.push(derToPem(certificate.raw));
      }
    }
  }
  return pems;
}

function readIdpRole(candidate: Candidate, options: MetadataParseOptions): IdpMetadata {
  const { entity } = candidate;
  const entityId = entityIdOf(entity);
  const roles = idpRoles(entity);
  if (roles.length === 0) {
    const why = children(entity, MD, 'IDPSSODescriptor').length > 0 ? 'no SAML 2.0 ' : 'no ';
    fail('saml_metadata_not_idp', `entity ${entityId} has ${why}IDPSSODescriptor`);
  }
  // Several SAML 2.0 IdP roles in one entity are allowed by the schema and unseen in
  // practice: the first one is used.
  const role = roles[0]!;

  const ssoUrls: IdpMetadata['ssoUrls'] = {};
  for (const sso of children(role, MD, 'SingleSignOnService')) {
    const binding = attr(sso, 'Binding');
    if (binding === BINDING_REDIRECT && ssoUrls.redirect === undefined) {
      ssoUrls.redirect = endpointUrl(attr(sso, 'Location'), 'HTTP-Redirect');
    } else if (binding === BINDING_POST && ssoUrls.post === undefined) {
      ssoUrls.post = endpointUrl(attr(sso, 'Location'), 'HTTP-POST');
    }
  }
  if (ssoUrls.redirect === undefined && ssoUrls.post === undefined) {
    fail('saml_metadata_no_sso_url', `entity ${entityId} has no HTTP-Redirect or HTTP-POST SSO service`);
  }

  const signing = new Set<string>();
  const encryption = new Set<string>();
  children(role, MD, 'KeyDescriptor').forEach((kd, index) => {
    const use = attr(kd, 'use');
    if (use !== null && use !== 'signing' && use !== 'encryption') {
      fail('saml_metadata_malformed', `KeyDescriptor ${index + 1} has an unknown use "${use}"`);
    }
    for (const pem of keyDescriptorCertificates(kd, index)) {
      // §2.4.1.1: without use, the key serves both purposes.
      if (use !== 'encryption') signing.add(pem);
      if (use !== 'signing') encryption.add(pem);
    }
  });
  if (signing.size === 0) {
    fail('saml_metadata_no_certificate', `entity ${entityId} publishes no signing certificate`);
  }

  const nameIdFormats = [
    ...new Set(children(role, MD, 'NameIDFormat').map((f) => (f.textContent ?? '').trim())),
  ].filter((f) => f !== '');

  const limits = [...candidate.inherited, validUntilOf(entity), validUntilOf(role)].filter(
    (v): v is number => v !== null,
  );
  const validUntil = limits.length > 0 ? Math.min(...limits) : null;
  if (options.enforceValidUntil && validUntil !== null && validUntil <= (options.now ?? Date.now())) {
    fail('saml_metadata_expired', `the metadata expired at ${new Date(validUntil).toISOString()}`);
  }

  return {
    entityId,
    ssoUrls,
    signingCertificates: [...signing],
    encryptionCertificates: [...encryption],
    nameIdFormats,
    wantAuthnRequestsSigned: xsBoolean(role, 'WantAuthnRequestsSigned', false),
    validUntil,
  };
}

function parseDocument(xml: string, maxBytes: number | undefined): Element {
  const limit = maxBytes ?? DEFAULT_MAX_BYTES;
  // Length first: a string longer than the limit in UTF-16 units is longer in UTF-8 bytes too.
  if (xml.length > limit || Buffer.byteLength(xml, 'utf8') > limit) {
    fail('saml_metadata_too_large', `the metadata is larger than ${limit} bytes`);
  }
  const root = parseStrict(xml.replace(/^\uFEFF/, '')).documentElement!;
  assertMetadataRoot(root);
  return root;
}

/**
 * Parses IdP metadata into the values an SP needs.
 *
 * SAML Metadata 2.0 §2.3.1 EntitiesDescriptor, §2.3.2 EntityDescriptor, §2.4.3
 * IDPSSODescriptor, §2.4.1.1 KeyDescriptor, §3 signature processing.
 * @throws SamlConfigError `saml_metadata_too_large`, `saml_metadata_malformed`,
 *   `saml_metadata_not_idp`, `saml_metadata_entity_ambiguous`, `saml_metadata_entity_not_found`,
 *   `saml_metadata_no_sso_url`, `saml_metadata_sso_url_invalid`, `saml_metadata_no_certificate`,
 *   `saml_metadata_certificate_invalid`, `saml_metadata_unsigned`,
 *   `saml_metadata_signature_invalid`, `saml_metadata_signature_algorithm_refused`,
 *   `saml_metadata_expired`, `saml_certificate_invalid` (a signer certificate).
 */
export function parseIdpMetadata(xml: string, options: MetadataParseOptions = {}): IdpMetadata {
  // A byte order mark survives some uploads; it is not content (and not signed).
  const text = xml.replace(/^\uFEFF/, '');
  const root = parseDocument(text, options.maxBytes);
  if (!options.requireSignature) return readIdpRole(selectEntity(root, options.entityId), options);

  const signers = signerKeys(options.signerCertificates);
  const allowSha1 = options.allowSha1Signature === true;
  // Federations sign the aggregate; an entity may also be signed on its own inside an unsigned
  // aggregate. Either way only the signed element is read, and nothing outside it.
  if (children(root, DS, 'Signature').length > 0 || is(root, 'EntityDescriptor')) {
    const signedRoot = verifiedElement(root, text, signers, allowSha1);
    return readIdpRole(selectEntity(signedRoot, options.entityId), options);
  }
  const chosen = selectEntity(root, options.entityId);
  const signedEntity = verifiedElement(chosen.entity, text, signers, allowSha1);
  return readIdpRole(selectEntity(signedEntity, options.entityId), options);
}

/**
 * The IdP entities of a metadata document, for an administrator to choose from when an
 * aggregate holds several; `saml2` is false for IdPs that speak only SAML 1 (unusable here).
 * Nothing is verified: use the result only as a choice list.
 *
 * SAML Metadata 2.0 §2.3.1, §2.4.3.
 * @throws SamlConfigError `saml_metadata_too_large`, `saml_metadata_malformed`.
 */
export function listIdpEntities(
  xml: string,
  options: Pick<MetadataParseOptions, 'maxBytes'> = {},
): { entityId: string; saml2: boolean }[] {
  const all: Candidate[] = [];
  collectEntities(parseDocument(xml, options.maxBytes), [], all);
  return all
    .filter((c) => children(c.entity, MD, 'IDPSSODescriptor').length > 0)
    .map((c) => ({ entityId: entityIdOf(c.entity), saml2: idpRoles(c.entity).length > 0 }));
}
