/**
 * Transport, encoding and strict XML (attacks.md §1.6 parser differentials, §1.10 XML DoS/XXE):
 * every case is refused before anything in the message is trusted, quickly, with its code.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { DOMParser } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import { C14nCanonicalization, ExclusiveCanonicalization } from 'xml-crypto';
import { validateResponse } from '../../../src/saml/validate-response.ts';
import {
  assertionOf,
  b64,
  buildResponse,
  mutate,
  NOW,
  NS_DSIG,
  one,
  resign,
  setText,
  signatureOf,
  signedA,
  signedRA,
} from './support/builder.ts';
import { ALICE, expectRefused, refusal, settingsA, validate } from './support/expect.ts';

const FIXTURES = join(import.meta.dirname, '../../fixtures/saml-responses');

function refusedB64(value: string, settings = settingsA()) {
  try {
    validateResponse(value, settings, NOW);
  } catch (error) {
    return error as { code: string; detail?: Record<string, unknown> };
  }
  throw new Error('accepted');
}

/** Puts `prolog` before the root element of a validly signed response. */
const withProlog = (prolog: string, xml = signedA()) => `${prolog}${xml}`;

describe('SAML Bindings 3.5.4 SAMLResponse encoding and size limits', () => {
  it('S-DOS-5 refuses a 10 MB SAMLResponse by its length, before any base64 decoding', () => {
    const huge = 'A'.repeat(10 * 1024 * 1024);
    const started = performance.now();
    expect(refusedB64(huge)).toMatchObject({
      code: 'saml_response_too_large',
      detail: { gotBase64Chars: huge.length },
    });
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('refuses decoded XML over maxResponseBytes even when its base64 fits', () => {
    const xml = signedA({ assertionExtra: '', afterAssertion: `<!--${'x'.repeat(5000)}-->` });
    expect(refusedB64(b64(xml), settingsA({ maxResponseBytes: 4000 }))).toMatchObject({
      code: 'saml_response_too_large',
    });
  });

  it('S-DOS-8 refuses input that is not base64 (%%%, a data URL, base64url, bad padding)', () => {
    for (const value of ['%%%', 'data:text/xml;base64,PHg+', 'PHNhbWxw-_', 'PHg+=', '', 'PHg+PHg']) {
      expect(refusedB64(value).code).toBe('saml_response_not_base64');
    }
  });

  it('S-DOS-8 tolerates line breaks inside the base64, as some encoders wrap at 76 characters', () => {
    const wrapped = b64(signedA()).replace(/.{76}/g, '$&\r\n');
    expect(validateResponse(wrapped, settingsA(), NOW).nameId).toBe(ALICE.nameId);
  });

  it('S-DOS-8 refuses bytes that are not UTF-8 and UTF-16 with a byte-order mark', () => {
    expect(refusedB64(Buffer.from([0x3c, 0x61, 0xc3, 0x28, 0x3e]).toString('base64'))).toMatchObject({
      code: 'saml_xml_malformed',
      detail: { reason: 'not utf-8' },
    });
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(signedA(), 'utf16le')]);
    expect(refusedB64(utf16.toString('base64')).code).toBe('saml_xml_malformed');
  });

  it('accepts a UTF-8 byte-order mark and an XML declaration saying UTF-8', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<!-- from the IdP -->\n${signedA()}`;
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(xml)]);
    expect(validateResponse(bom.toString('base64'), settingsA(), NOW).nameId).toBe(ALICE.nameId);
  });

  it('refuses an XML declaration naming another encoding', () => {
    expectRefused(withProlog('<?xml version="1.0" encoding="ISO-8859-1"?>'), 'saml_xml_malformed');
  });

  it('S-DOS-7 never inflates: a raw-DEFLATE SAMLResponse (HTTP-Redirect style) is not XML', () => {
    const deflated = deflateRawSync(Buffer.from(signedA())).toString('base64');
    expect(refusedB64(deflated).code).toBe('saml_xml_malformed');
  });
});

describe('XML 1.0 well-formedness (refused before anything is read)', () => {
  it('S-WRAP-7 refuses a second root element after the signed Response', () => {
    const evil = buildResponse({
      nameIdXml: '<saml:NameID>admin@orga.test</saml:NameID>',
      responseId: '_evil',
    });
    expectRefused(`${signedRA()}${evil}`, 'saml_xml_malformed');
  });

  it('refuses unclosed tags, duplicate attributes, unbound prefixes, undeclared entities and stray text', () => {
    const xml = signedA();
    for (const bad of [
      xml.replace('</samlp:Response>', ''),
      xml.replace('Version="2.0"', 'Version="2.0" Version="2.0"'),
      xml.replace('<saml:Issuer>', '<evil:Issuer>').replace('</saml:Issuer>', '</evil:Issuer>'),
      xml.replace('alice@orga.test</saml:NameID>', 'alice&nbsp;@orga.test</saml:NameID>'),
      `${xml}trailing`,
      xml.replace('ID="_r1"', 'ID=_r1'),
    ]) {
      expect(refusal(bad).code).toBe('saml_xml_malformed');
    }
  });

  it('refuses characters XML 1.0 does not allow (NUL and other C0 controls)', () => {
    expectRefused(signedA().replace('alice@orga.test<', 'alice@orga.test\u0000<'), 'saml_xml_malformed');
    expectRefused(signedA().replace('alice@orga.test<', 'alice@orga.test\u0007<'), 'saml_xml_malformed');
  });

  it('refuses a processing instruction anywhere but the XML declaration', () => {
    expectRefused(withProlog('<?xml-stylesheet href="x"?>'), 'saml_xml_processing_instruction_forbidden');
    expectRefused(
      signedA().replace('<samlp:Status>', '<?evil?><samlp:Status>'),
      'saml_xml_processing_instruction_forbidden',
    );
  });
});

describe('S-DOS XXE, entity expansion and parser load (attacks.md §1.10)', () => {
  it('S-DOS-1 refuses an external entity (file read), with no file content anywhere in the error', () => {
    const xml = withProlog(
      '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
      signedA().replace('alice@orga.test</saml:NameID>', '&x;</saml:NameID>'),
    );
    const error = expectRefused(xml, 'saml_xml_doctype_forbidden');
    expect(JSON.stringify({ m: error.message, d: error.detail })).not.toContain('root:');
  });

  it('S-DOS-2 refuses a parameter entity pointing at a canary listener, which receives no connection', async () => {
    let connections = 0;
    const canary = createServer((_req, res) => res.end()).on('connection', () => connections++);
    await new Promise<void>((resolve) => canary.listen(0, '127.0.0.1', resolve));
    const { port } = canary.address() as { port: number };
    try {
      const xml = withProlog(
        `<!DOCTYPE r [<!ENTITY % dtd SYSTEM "http://127.0.0.1:${port}/evil.dtd">%dtd;]>`,
      );
      expectRefused(xml, 'saml_xml_doctype_forbidden');
      await new Promise((resolve) => setImmediate(resolve));
      expect(connections).toBe(0);
    } finally {
      canary.close();
    }
  });

  it('S-DOS-3 refuses billion laughs within 100 ms', () => {
    const entities = ['<!ENTITY lol "lol">'];
    for (let i = 1; i <= 9; i++)
      entities.push(`<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`);
    const xml = withProlog(
      `<!DOCTYPE lolz [${entities.join('')}]>`,
      signedA().replace('alice@orga.test</saml:NameID>', '&lol9;</saml:NameID>'),
    );
    const started = performance.now();
    expectRefused(xml, 'saml_xml_doctype_forbidden');
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('S-DOS-4 keeps a 200 KB attribute value and 15,000 attributes on one element under a second', () => {
    const bigValue = signedRA().replace('<saml:Issuer>', `<saml:Issuer x="${'a'.repeat(200_000)}">`);
    const manyAttributes = signedRA().replace(
      '<samlp:Status>',
      `<samlp:Status ${Array.from({ length: 15_000 }, (_, i) => `a${i}="x"`).join(' ')}>`,
    );
    for (const xml of [bigValue, manyAttributes]) {
      const started = performance.now();
      refusal(xml);
      expect(performance.now() - started).toBeLessThan(1000);
    }
  });

  it('S-DOS-6 refuses 100,000 nested elements without a crash, before the parser builds them', () => {
    const deep = `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}</samlp:Response>`;
    const started = performance.now();
    expect(refusedB64(b64(deep), settingsA({ maxResponseBytes: 2 * 1024 * 1024 })).code).toBe(
      'saml_xml_too_deep',
    );
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('S-DOS-9 refuses 1,000 references at once (exactly one is allowed), before any digest is computed', () => {
    // The bound is loose on purpose (a busy CI machine); the reason code proves no digest ran.
    const xml = mutate(signedA(), (doc) => {
      const reference = one(doc, NS_DSIG, 'Reference');
      for (let i = 0; i < 1000; i++) reference.parentNode!.appendChild(reference.cloneNode(true));
    });
    const started = performance.now();
    const roomy = settingsA({ maxResponseBytes: 1024 * 1024 });
    expectRefused(xml, 'saml_signature_invalid', { reason: 'Reference_count' }, roomy);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('S-DOS-9 ignores an oversized certificate in KeyInfo (KeyInfo is never read)', () => {
    const xml = mutate(signedA(), (doc) => setText(one(doc, NS_DSIG, 'X509Certificate'), 'A'.repeat(3000)));
    expect(validate(xml).nameId).toBe(ALICE.nameId);
  });
});

describe('S-PD parser differentials (attacks.md §1.6)', () => {
  it('S-PD-1 refuses the CVE-2025-25291 DOCTYPE/comment/CDATA round trip', () => {
    const evil = buildResponse({ nameIdXml: '<saml:NameID>admin@orga.test</saml:NameID>' });
    const xml = `<!DOCTYPE response SYSTEM 'x"><!--'>${evil.replace('</samlp:Response>', '')}<![CDATA[-->${signedA()}<!--]]>--></samlp:Response>`;
    expectRefused(xml, 'saml_xml_doctype_forbidden');
  });

  it('S-PD-2 refuses the CVE-2025-25292 ATTLIST default-namespace trick', () => {
    const xml = withProlog(
      '<!DOCTYPE Response [<!ATTLIST Signature xmlns CDATA #FIXED "http://www.w3.org/2000/09/xmldsig#" xmlns CDATA "block">]>',
    );
    expectRefused(xml, 'saml_xml_doctype_forbidden');
  });

  it('S-PD-3 never accepts the digest of an empty canonical form (CVE-2025-66568)', () => {
    const xml = mutate(signedA(), (doc) => {
      const signature = signatureOf(assertionOf(doc));
      setText(one(signature, NS_DSIG, 'DigestValue'), '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
      resign(signature); // even with a genuine SignatureValue over that SignedInfo
    });
    expectRefused(xml, 'saml_signature_invalid', { reason: 'digest_mismatch' });
  });

  it('S-PD-4 a Signature in a foreign namespace is not a signature: the assertion counts as unsigned', () => {
    const foreign = (xml: string) =>
      xml.replace(
        '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>',
        '<ds:Signature xmlns:ds="http://evil/"><ds:SignedInfo>',
      );
    expectRefused(foreign(signedA()), 'saml_signature_missing');
    const ra = signedRA();
    // Only the assertion's (second) signature is moved to the foreign namespace; the Response one stays genuine.
    const i = ra.lastIndexOf('<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">');
    expectRefused(`${ra.slice(0, i)}${foreign(ra.slice(i))}`, 'saml_assertion_unsigned');
  });

  it('S-PD-4 refuses a SignedInfo rebound to another namespace inside a genuine Signature', () => {
    expectRefused(
      signedA().replace('<ds:SignedInfo>', '<ds:SignedInfo xmlns:ds="http://evil/">'),
      'saml_signature_invalid',
    );
  });

  it('S-PD-5 refuses duplicate attributes (not well-formed) and a second ID through another prefix', () => {
    expectRefused(signedA().replace('ID="_a1"', 'ID="_a1" ID="_evil"'), 'saml_xml_malformed');
    expectRefused(signedA().replace('ID="_a1"', 'ID="_a1" xml:ID="_evil"'), 'saml_id_duplicate');
  });

  it('S-PD-6 the protocol core parses XML in exactly one place, with one library', () => {
    const dir = join(import.meta.dirname, '../../../src/saml');
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const mine = [
      'xml.ts',
      'signature.ts',
      'decrypt.ts',
      'assertion.ts',
      'validate-response.ts',
      'errors.ts',
    ];
    for (const file of files.filter((f) => mine.includes(f) || f.startsWith('checks/'))) {
      const text = readFileSync(join(dir, file), 'utf8');
      expect(text, file).not.toMatch(/from '(xml2js|fast-xml-parser|sax|libxmljs2?|xpath|node-xml-stream)'/);
      expect(text, file).not.toMatch(/xml-crypto\/node_modules/);
      if (file !== 'xml.ts') expect(text, file).not.toMatch(/new DOMParser|parseFromString/);
    }
  });

  it('S-PD-7 runs @xmldom/xmldom >= 0.9.10 and xml-crypto bundles xmldom >= 0.8.13', () => {
    const require = createRequire(import.meta.url);
    const version = (path: string) => (require(path) as { version: string }).version.split('.').map(Number);
    const [maj9, min9, patch9] = version('@xmldom/xmldom/package.json') as [number, number, number];
    expect(maj9 > 0 || min9 > 9 || (min9 === 9 && patch9 >= 10)).toBe(true);
    const [, min8, patch8] = version('xml-crypto/node_modules/@xmldom/xmldom/package.json') as [
      number,
      number,
      number,
    ];
    expect(min8 > 8 || (min8 === 8 && patch8 >= 13)).toBe(true);
  });
});

describe("xml-crypto's canonicalizers on xmldom 0.9 nodes", () => {
  const require = createRequire(import.meta.url);
  const Parser08 = (require('xml-crypto/node_modules/@xmldom/xmldom') as { DOMParser: typeof DOMParser })
    .DOMParser;

  it('give byte-identical output on 0.9 and 0.8 nodes for every element of every real fixture', () => {
    let compared = 0;
    for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith('.xml'))) {
      const xml = readFileSync(join(FIXTURES, file), 'utf8');
      const nodes09 = Array.from(
        new DOMParser().parseFromString(xml, 'text/xml').getElementsByTagNameNS('*', '*'),
      );
      const nodes08 = Array.from(
        new Parser08().parseFromString(xml, 'text/xml').getElementsByTagNameNS('*', '*'),
      );
      expect(nodes09.length).toBe(nodes08.length);
      for (const [i, node] of nodes09.entries()) {
        for (const C of [ExclusiveCanonicalization, C14nCanonicalization]) {
          expect(new C().process(node.cloneNode(true) as never, {})).toBe(
            new C().process(nodes08[i]!.cloneNode(true) as never, {}),
          );
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(600);
  });
});
