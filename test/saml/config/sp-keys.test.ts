import { createHash, generateKeyPairSync, sign, verify, X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  certificateBody,
  certificateFingerprint,
  generateSpKeyPair,
  loadRsaSigningKey,
  type SpKeyPair,
} from '../../../src/saml/sp-keys.ts';

const code = (c: string) => expect.objectContaining({ code: c });
const NOW = Date.parse('2026-03-01T12:00:00Z');
const YEAR_MS = 365.25 * 24 * 60 * 60 * 1000;

describe('SP key pairs (SAML Metadata 2.0 §2.4.1.1: keys published as X.509 certificates)', () => {
  let pair: SpKeyPair;
  let cert: X509Certificate;
  beforeAll(async () => {
    pair = await generateSpKeyPair('drawbridge.example SAML signing', NOW);
    cert = new X509Certificate(pair.certificatePem);
  });

  it('generates a self-signed certificate for the common name', () => {
    expect(cert.subject).toBe('CN=drawbridge.example SAML signing');
    expect(cert.issuer).toBe(cert.subject);
    expect(cert.verify(cert.publicKey)).toBe(true);
  });

  it('uses an RSA key of at least 2048 bits (3072) and a SHA-256 signature', async () => {
    expect(cert.publicKey.asymmetricKeyType).toBe('rsa');
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBeGreaterThanOrEqual(2048);
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(3072);
    // An independent parse of the signature algorithm (generateSpKeyPair loaded the library).
    const { X509Certificate: PeculiarCertificate } = await import('@peculiar/x509');
    const parsed = new PeculiarCertificate(pair.certificatePem);
    expect(parsed.signatureAlgorithm).toMatchObject({ name: 'RSASSA-PKCS1-v1_5', hash: { name: 'SHA-256' } });
    expect(await parsed.verify({ signatureOnly: true })).toBe(true);
  });

  it('is valid for about ten years from an hour before now, and reports notAfter from the certificate', () => {
    expect(Date.parse(cert.validFrom)).toBe(NOW - 60 * 60 * 1000);
    expect(Date.parse(cert.validTo)).toBe(pair.notAfter);
    expect(pair.notAfter - NOW).toBeGreaterThan(9.9 * YEAR_MS);
    expect(pair.notAfter - NOW).toBeLessThan(10.1 * YEAR_MS);
  });

  it('returns the matching private key: a signature made with it verifies with the certificate', () => {
    expect(pair.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const data = Buffer.from('SAMLRequest=abc&SigAlg=x');
    const signature = sign('sha256', data, pair.privateKeyPem);
    expect(verify('sha256', data, cert.publicKey, signature)).toBe(true);
    expect(verify('sha256', Buffer.from('other'), cert.publicKey, signature)).toBe(false);
    expect(loadRsaSigningKey(pair.privateKeyPem).asymmetricKeyType).toBe('rsa');
  });

  it('generates a different key and serial number each time', async () => {
    const other = await generateSpKeyPair('drawbridge.example SAML signing', NOW);
    expect(other.privateKeyPem).not.toBe(pair.privateKeyPem);
    expect(new X509Certificate(other.certificatePem).serialNumber).not.toBe(cert.serialNumber);
  });

  it('cuts a common name longer than the X.520 bound of 64 characters and refuses a blank one', async () => {
    const long = await generateSpKeyPair(`${'h'.repeat(70)} SAML encryption`, NOW);
    expect(new X509Certificate(long.certificatePem).subject).toBe(`CN=${'h'.repeat(64)}`);
    await expect(generateSpKeyPair('  ')).rejects.toThrow(code('saml_text_invalid'));
  });
});

describe('certificate helpers for metadata and admin display', () => {
  const unterminated = '-----BEGIN CERTIFICATE-----\nMIIB';
  let pair: SpKeyPair;
  beforeAll(async () => {
    pair = await generateSpKeyPair('helpers', NOW);
  });

  it('certificateBody gives the DER as one base64 line without armour (XML Signature §4.4.4 X509Data)', () => {
    const body = certificateBody(pair.certificatePem);
    expect(body).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(Buffer.from(body, 'base64')).toEqual(new X509Certificate(pair.certificatePem).raw);
    // CRLF line ends and surrounding text (as pasted by an admin) do not matter.
    expect(certificateBody(`subject=...\r\n${pair.certificatePem.replaceAll('\n', '\r\n')}`)).toBe(body);
  });

  it('certificateFingerprint is the SHA-256 of the DER in colon-separated uppercase hex', () => {
    const raw = new X509Certificate(pair.certificatePem).raw;
    const hex = createHash('sha256').update(raw).digest('hex').toUpperCase();
    expect(certificateFingerprint(pair.certificatePem)).toBe(hex.match(/../g)!.join(':'));
  });

  it('refuses anything but exactly one parseable certificate with saml_certificate_invalid', () => {
    for (const bad of [
      '',
      'MIIB',
      unterminated,
      `${pair.certificatePem}${pair.certificatePem}`,
      pair.privateKeyPem,
    ]) {
      expect(() => certificateBody(bad)).toThrow(code('saml_certificate_invalid'));
      expect(() => certificateFingerprint(bad)).toThrow(code('saml_certificate_invalid'));
    }
    const garbage = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    expect(() => certificateBody(garbage)).toThrow(code('saml_certificate_invalid'));
  });

  it('loadRsaSigningKey refuses a non-key, an EC key and an RSA key under 2048 bits with saml_key_invalid', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    for (const bad of ['not a key', pair.certificatePem, ec.toString(), small.toString()]) {
      expect(() => loadRsaSigningKey(bad)).toThrow(code('saml_key_invalid'));
    }
  });
});
