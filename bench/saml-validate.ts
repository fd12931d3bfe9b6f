/**
 * Validations per second of the pure SAML Response validator against xml-crypto's own
 * `SignedXml.checkSignature`, on the same ~8 KB real Okta response (test/fixtures/saml-responses/
 * okta-dex.xml: Response and assertion both signed, RSA-SHA256, exclusive c14n).
 *
 * - validateResponse: everything (base64, strict parse, both signatures, every check).
 * - xml-crypto, 1 signature: parse + loadSignature + checkSignature of the Response signature
 *   only (what a library user typically measures).
 * - xml-crypto, 2 signatures: the same for both signatures (the comparable amount of crypto).
 *
 * Rounds are interleaved and the median is reported, so a busy machine skews all alike.
 * Run: node bench/saml-validate.ts [seconds-per-round, default 1] [rounds, default 5]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { DEFAULT_CANONICALIZATIONS, validateResponse } from '../src/saml/validate-response.ts';

const dir = join(import.meta.dirname, '../test/fixtures/saml-responses');
const xml = readFileSync(join(dir, 'okta-dex.xml'), 'utf8');
const cert = readFileSync(join(dir, 'okta-dex.crt'), 'utf8');
const base64 = Buffer.from(xml).toString('base64');
const now = Date.parse('2017-04-04T04:35:00Z');
const settings = {
  spEntityId: 'http://127.0.0.1:5556/dex/callback',
  acsUrl: 'http://127.0.0.1:5556/dex/callback',
  idpEntityId: 'http://www.okta.com/exk91cb99lKkKSYoy0h7',
  idpCertificates: [cert],
  requireSignedAssertion: true,
  allowSha1: false,
  allowedCanonicalizations: [...DEFAULT_CANONICALIZATIONS],
  clockSkewSeconds: 60,
  decryptionKeys: [],
  wantAssertionsEncrypted: false,
};

function xmlCrypto(signatures: number): void {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const found = doc.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'Signature');
  for (let i = 0; i < signatures; i++) {
    const verifier = new SignedXml({ publicCert: cert });
    verifier.loadSignature(found.item(i) as never);
    if (!verifier.checkSignature(xml)) throw new Error('xml-crypto refused the fixture');
  }
}

const cases: Record<string, () => void> = {
  'validateResponse (2 signatures, all checks)': () => validateResponse(base64, settings, now),
  'xml-crypto checkSignature, 1 signature': () => xmlCrypto(1),
  'xml-crypto checkSignature, 2 signatures': () => xmlCrypto(2),
};

function perSecond(run: () => void, ms: number): number {
  let n = 0;
  const started = performance.now();
  while (performance.now() - started < ms) {
    run();
    n++;
  }
  return n / ((performance.now() - started) / 1000);
}

const ms = Number(process.argv[2] ?? '1') * 1000;
const rounds = Number(process.argv[3] ?? '5');
for (const run of Object.values(cases)) for (let i = 0; i < 200; i++) run(); // warm-up
const results = new Map<string, number[]>(Object.keys(cases).map((name) => [name, []]));
for (let r = 0; r < rounds; r++) {
  for (const [name, run] of Object.entries(cases)) results.get(name)!.push(perSecond(run, ms));
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(`okta-dex.xml, ${xml.length} bytes; median of ${rounds} rounds of ${ms / 1000}s`);
for (const [name, values] of results)
  console.log(`${name.padEnd(46)} ${Math.round(median(values)).toString().padStart(6)} /s`);
