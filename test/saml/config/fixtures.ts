/**
 * Test inputs for the SAML configuration suites: the real IdP metadata under
 * test/fixtures/idp-metadata (see its README for sources and licences), a strict parser for
 * reading back what the SP writes, and schema validation by an independent implementation.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOMParser, type Document, type Element } from '@xmldom/xmldom';

export const METADATA_DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'idp-metadata');

export function metadataFixture(name: string): string {
  return readFileSync(join(METADATA_DIR, name), 'utf8');
}

export function metadataFixtureNames(): string[] {
  return readdirSync(METADATA_DIR)
    .filter((f) => f.endsWith('.xml'))
    .sort();
}

/** The certificate inside the document's own ds:Signature KeyInfo, as PEM. */
export function embeddedSignatureCertificate(xml: string): string {
  const signature = /<(?:ds:)?Signature[\s>][\s\S]*?<\/(?:ds:)?Signature>/.exec(xml)?.[0] ?? '';
  const body = /<(?:ds:)?X509Certificate>([^<]+)</.exec(signature)?.[1];
  if (!body) throw new Error('no certificate in the signature');
  const lines = body.replace(/\s+/g, '').match(/.{1,64}/g)!;
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** Parses XML the SP produced; any xmldom warning or error fails the test. */
export function parseStrictly(xml: string): Document {
  return new DOMParser({
    onError: (level, message) => {
      throw new Error(`${level}: ${message}`);
    },
  }).parseFromString(xml, 'text/xml');
}

export const NS = {
  md: 'urn:oasis:names:tc:SAML:2.0:metadata',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  samlp: 'urn:oasis:names:tc:SAML:2.0:protocol',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
};

export function elements(root: Document | Element, ns: string, localName: string): Element[] {
  return Array.from(root.getElementsByTagNameNS(ns, localName));
}

const SCHEMA_DIRS = [
  '/usr/share/simplesamlphp/vendor/simplesamlphp/saml2/schemas',
  '/usr/share/simplesamlphp/schemas',
];

/**
 * Validates `xml` against the OASIS SAML 2.0 schema with libxml2 (through PHP's DOM, which the
 * SimpleSAMLphp interop suite installs, as it does the schema files). Returns libxml2's errors.
 */
export function samlSchemaErrors(xml: string, schema: 'metadata' | 'protocol'): string[] {
  const dir = SCHEMA_DIRS.find((d) => existsSync(join(d, `saml-schema-${schema}-2.0.xsd`)));
  if (!dir) throw new Error('SAML schemas not found: install simplesamlphp (scripts/test-prereqs.ts does)');
  const tmp = mkdtempSync(join(tmpdir(), 'saml-xsd-'));
  try {
    const file = join(tmp, 'doc.xml');
    writeFileSync(file, xml);
    const script =
      'libxml_use_internal_errors(true); $d = new DOMDocument(); $d->load($argv[1], LIBXML_NONET);' +
      ' $d->schemaValidate($argv[2]); foreach (libxml_get_errors() as $e) { echo trim($e->message), "\\n"; }';
    const out = execFileSync('php', ['-r', script, file, join(dir, `saml-schema-${schema}-2.0.xsd`)], {
      encoding: 'utf8',
    });
    return out.split('\n').filter((l) => l !== '');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
