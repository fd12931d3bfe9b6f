/**
 * The validation settings, checked before the message is looked at: a configuration that
 * cannot verify anything must fail closed, never open (S-SIG-13, the "Signature Optional" class:
 * an empty certificate list accepted every signature or none). Certificates are parsed once and
 * cached by their PEM text; only RSA keys of at least 2048 bits are accepted (S-KEY-11), since
 * only RSA signature methods are allowlisted. Certificate validity dates are not enforced
 * (S-KEY-9): the certificate is pinned by configuration, as SAML metadata intends.
 *
 * These are configuration errors (SamlConfigError), not protocol failures: nothing was forged.
 */
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { SamlConfigError } from '../config-errors.ts';
import { DEFAULT_CANONICALIZATIONS } from '../signature.ts';
import type { ResponseValidationSettings } from '../validate-response.ts';

export const DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024;
const MIN_RSA_BITS = 2048;
const MAX_CERTIFICATES = 16;
const CACHE_LIMIT = 256;

/** The settings in the form the checks use. */
export interface ValidationPolicy {
  spEntityId: string;
  acsUrl: string;
  idpEntityId: string;
  idpKeys: readonly KeyObject[];
  requireSignedAssertion: boolean;
  allowSha1: boolean;
  canonicalizations: ReadonlySet<string>;
  skewMs: number;
  decryptionKeys: readonly string[];
  wantAssertionsEncrypted: boolean;
  maxResponseBytes: number;
  maxAssertionAgeMs: number | null;
  requiredAuthnContexts: readonly string[];
}

const publicKeys = new Map<string, KeyObject>();
const checkedPrivateKeys = new Set<string>();

function remember<K, V>(cache: Map<K, V>, key: K, value: V): V {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

function asPem(text: string): string {
  const trimmed = text.trim();
  if (trimmed.startsWith('-----BEGIN')) return trimmed;
  // Bare base64, as certificates appear inside metadata: wrap it rather than refuse it.
  return `-----BEGIN CERTIFICATE-----\n${trimmed.replace(/\s+/g, '')}\n-----END CERTIFICATE-----`;
}

function idpKey(pem: string): KeyObject {
  const cached = publicKeys.get(pem);
  if (cached) return cached;
  let key: KeyObject;
  try {
    key = new X509Certificate(asPem(pem)).publicKey;
  } catch (cause) {
    throw new SamlConfigError('saml_certificate_invalid', 'an IdP certificate cannot be parsed', { cause });
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.asymmetricKeyType !== 'rsa' || bits < MIN_RSA_BITS) {
    throw new SamlConfigError(
      'saml_certificate_invalid',
      `an IdP certificate must hold an RSA key of at least ${MIN_RSA_BITS} bits (got ${key.asymmetricKeyType} ${bits})`,
    );
  }
  return remember(publicKeys, pem, key);
}

function checkDecryptionKey(pem: string): string {
  if (checkedPrivateKeys.has(pem)) return pem;
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (cause) {
    throw new SamlConfigError('saml_key_invalid', 'an SP decryption key cannot be parsed', { cause });
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new SamlConfigError('saml_key_invalid', 'an SP decryption key must be an RSA private key');
  }
  if (checkedPrivateKeys.size >= CACHE_LIMIT) checkedPrivateKeys.clear();
  checkedPrivateKeys.add(pem);
  return pem;
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

/**
 * Checks the settings and resolves them (certificates to keys, defaults filled in).
 *
 * @throws SamlConfigError `saml_entity_id_invalid`, `saml_url_invalid`,
 *   `saml_metadata_no_certificate`, `saml_certificate_invalid`, `saml_key_invalid`
 */
export function resolvePolicy(settings: ResponseValidationSettings): ValidationPolicy {
  if (!nonEmpty(settings.spEntityId) || !nonEmpty(settings.idpEntityId)) {
    throw new SamlConfigError('saml_entity_id_invalid', 'the SP and IdP entity IDs must be set');
  }
  if (!nonEmpty(settings.acsUrl)) throw new SamlConfigError('saml_url_invalid', 'the ACS URL must be set');
  const certificates = settings.idpCertificates ?? [];
  if (certificates.length === 0) {
    throw new SamlConfigError('saml_metadata_no_certificate', 'no IdP signing certificate is configured');
  }
  if (certificates.length > MAX_CERTIFICATES) {
    throw new SamlConfigError('saml_certificate_invalid', `more than ${MAX_CERTIFICATES} IdP certificates`);
  }
  const skew = settings.clockSkewSeconds ?? 60;
  if (!Number.isFinite(skew) || skew < 0) {
    throw new SamlConfigError('saml_text_invalid', 'the clock skew must be a non-negative number of seconds');
  }
  const maxResponseBytes = settings.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  if (!Number.isInteger(maxResponseBytes) || maxResponseBytes <= 0) {
    throw new SamlConfigError('saml_text_invalid', 'the response size limit must be a positive integer');
  }
  return {
    spEntityId: settings.spEntityId,
    acsUrl: settings.acsUrl,
    idpEntityId: settings.idpEntityId,
    idpKeys: certificates.map(idpKey),
    requireSignedAssertion: settings.requireSignedAssertion !== false,
    allowSha1: settings.allowSha1 === true,
    canonicalizations: new Set(settings.allowedCanonicalizations ?? DEFAULT_CANONICALIZATIONS),
    skewMs: skew * 1000,
    decryptionKeys: (settings.decryptionKeys ?? []).map(checkDecryptionKey),
    wantAssertionsEncrypted: settings.wantAssertionsEncrypted === true,
    maxResponseBytes,
    maxAssertionAgeMs:
      settings.maxAssertionAgeSeconds === null || settings.maxAssertionAgeSeconds === undefined
        ? null
        : settings.maxAssertionAgeSeconds * 1000,
    requiredAuthnContexts: settings.requiredAuthnContexts ?? [],
  };
}
