/**
 * The SP's own key pairs: one for signing AuthnRequests, one for receiving encrypted
 * assertions. Each is an RSA key with a long-lived self-signed certificate, because SAML
 * metadata uses certificates only as key containers (SAML Metadata 2.0 §2.4.1.1; no chain is
 * built), and an IdP's trust must not lapse while nobody is looking. Rotation publishes the old
 * and the new certificate side by side (see sp-metadata.ts).
 */

import { createPrivateKey, KeyObject, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { SamlConfigError } from './config-errors.ts';
import { isXmlSafe } from './xml-escape.ts';

export interface SpKeyPair {
  certificatePem: string;
  /** PKCS#8 PEM. A secret: encrypt at rest, never return it from the API, never log it. */
  privateKeyPem: string;
  /** Epoch ms, second precision (what the certificate says). */
  notAfter: number;
}

// 3072 bits: the certificate lives ten years, past 2030, after which NIST SP 800-57 no longer
// counts RSA-2048 as enough. XML Signature and XML Encryption set no upper bound on RSA keys.
const RSA_BITS = 3072;
const LIFETIME_MS = 3652 * 24 * 60 * 60 * 1000;
// Backdated an hour so an IdP whose clock runs behind ours does not see a not-yet-valid cert.
const BACKDATE_MS = 60 * 60 * 1000;
// X.520 upper bound for a commonName.
const MAX_COMMON_NAME = 64;

type X509Module = typeof import('@peculiar/x509');
let x509Module: Promise<X509Module> | undefined;

/**
 * @peculiar/x509 resolves its algorithms through tsyringe, which refuses to load unless a
 * Reflect metadata polyfill is present. The project has none, so the three functions tsyringe
 * calls are provided here, only when nothing else has, and only on first use (importing this
 * module changes no global).
 */
function loadX509(): Promise<X509Module> {
  if (!x509Module) {
    const reflect = Reflect as unknown as Record<string, unknown>;
    if (typeof reflect.getMetadata !== 'function') {
      const store = new WeakMap<object, Map<unknown, unknown>>();
      reflect.defineMetadata = (key: unknown, value: unknown, target: object) => {
        const own = store.get(target) ?? new Map<unknown, unknown>();
        own.set(key, value);
        store.set(target, own);
      };
      reflect.getOwnMetadata = (key: unknown, target: object) => store.get(target)?.get(key);
      reflect.getMetadata = (key: unknown, target: object) => {
        for (let o: object | null = target; o; o = Object.getPrototypeOf(o)) {
          const own = store.get(o);
          if (own?.has(key)) return own.get(key);
        }
        return undefined;
      };
    }
    x509Module = import('@peculiar/x509');
  }
  return x509Module;
}

/**
 * Generates an SP key pair: RSA-3072, self-signed SHA-256 certificate valid for ten years.
 *
 * SAML Metadata 2.0 §2.4.1.1 (the certificate is published in a KeyDescriptor).
 * @throws SamlConfigError `saml_text_invalid` when `commonName` is blank or holds characters
 *   XML cannot carry (it is cut to 64 characters, the X.520 bound).
 */
export async function generateSpKeyPair(commonName: string, now: number = Date.now()): Promise<SpKeyPair> {
  if (commonName.trim() === '' || !isXmlSafe(commonName)) {
    throw new SamlConfigError('saml_text_invalid', 'the certificate common name must be printable text');
  }
  // The name is only a label (nothing verifies it), so a long host name is cut to the X.520
  // bound rather than refused.
  const cn = [...commonName].slice(0, MAX_COMMON_NAME).join('');
  const x509 = await loadX509();
  const keys = await webcrypto.subtle.generateKey(
    {
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength: RSA_BITS,
      publicExponent: new Uint8Array([1, 0, 1]),
      // The certificate's signature algorithm follows the key's: sha256WithRSAEncryption.
      hash: 'SHA-256',
    },
    true,
    ['sign', 'verify'],
  );
  // RFC 5280 §4.1.2.2: positive, at most 20 octets; the set high bit avoids a leading zero.
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x40;
  const notBefore = Math.floor((now - BACKDATE_MS) / 1000) * 1000;
  const notAfter = Math.floor((now + LIFETIME_MS) / 1000) * 1000;
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial.toString('hex'),
      name: [{ CN: [cn] }],
      keys,
      notBefore: new Date(notBefore),
      notAfter: new Date(notAfter),
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        // One usage set for both pairs: signing AuthnRequests and unwrapping assertion keys.
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
          true,
        ),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, webcrypto),
      ],
    },
    webcrypto,
  );
  // KeyObject.from keeps the key inside node:crypto; it leaves it once, as PKCS#8 PEM.
  const privateKeyPem = KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' }).toString();
  return { certificatePem: cert.toString('pem'), privateKeyPem, notAfter: cert.notAfter.getTime() };
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]*)-----END CERTIFICATE-----/g;

/** Parses exactly one PEM certificate; the DER and the parsed certificate. */
export function parseCertificatePem(pem: string): { der: Buffer; certificate: X509Certificate } {
  const blocks = [...pem.matchAll(PEM_CERTIFICATE)];
  if (blocks.length !== 1) {
    throw new SamlConfigError('saml_certificate_invalid', 'expected exactly one PEM certificate');
  }
  const der = Buffer.from(blocks[0]![1]!.replace(/\s+/g, ''), 'base64');
  try {
    return { der, certificate: new X509Certificate(der) };
  } catch (cause) {
    throw new SamlConfigError('saml_certificate_invalid', 'the certificate cannot be parsed', { cause });
  }
}

/** Wraps DER in PEM armour, 64 characters a line (RFC 7468 §2). */
export function derToPem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/**
 * The certificate's base64 DER without armour or line breaks, as ds:X509Certificate holds it.
 *
 * XML Signature §4.4.4 (X509Data), SAML Metadata 2.0 §2.4.1.1.
 * @throws SamlConfigError `saml_certificate_invalid` unless `pem` is one parseable certificate.
 */
export function certificateBody(pem: string): string {
  return parseCertificatePem(pem).der.toString('base64');
}

/**
 * SHA-256 fingerprint for an administrator to compare with the IdP's console: uppercase hex
 * pairs joined by colons, as `openssl x509 -fingerprint -sha256` prints it.
 *
 * @throws SamlConfigError `saml_certificate_invalid` unless `pem` is one parseable certificate.
 */
export function certificateFingerprint(pem: string): string {
  return parseCertificatePem(pem).certificate.fingerprint256;
}

/**
 * Loads the SP's RSA signing key (at least 2048 bits; the redirect signature is rsa-sha256).
 *
 * @throws SamlConfigError `saml_key_invalid` when `pem` is not such a private key.
 */
export function loadRsaSigningKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (cause) {
    throw new SamlConfigError('saml_key_invalid', 'the signing key is not a PEM private key', { cause });
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.asymmetricKeyType !== 'rsa' || bits < 2048) {
    throw new SamlConfigError('saml_key_invalid', 'the signing key must be an RSA key of at least 2048 bits');
  }
  return key;
}
