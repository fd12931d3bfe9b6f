import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SamlConfigError } from '../../../src/saml/config-errors.ts';
import { parseIdpMetadata } from '../../../src/saml/idp-metadata.ts';
import { embeddedSignatureCertificate, metadataFixture } from './fixtures.ts';

const code = (c: string) => expect.objectContaining({ code: c });
const okta = metadataFixture('okta-exkppsa1qwuFV4D7z0h7.xml');
const OKTA_SSO =
  'https://dev-513394.oktapreview.com/app/rstudioincdev513394_dev_1/exkppsa1qwuFV4D7z0h7/sso/saml';

/** Runs `fn` and returns how long it took, in ms. */
function timed(fn: () => void): number {
  const start = performance.now();
  try {
    fn();
  } catch {
    // timing only
  }
  return performance.now() - start;
}

describe('XML 1.0 well-formedness: malformed documents are refused (saml_metadata_malformed)', () => {
  const cases: Record<string, string> = {
    'an empty string': '',
    'plain text': 'this is not metadata',
    'an unclosed element': okta.replace('</md:EntityDescriptor>', ''),
    'mismatched tags': okta.replace('</md:IDPSSODescriptor>', '</md:SPSSODescriptor>'),
    'two root elements': `${okta}<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>`,
    'a duplicate attribute': okta.replace('entityID=', 'entityID="a" entityID='),
    'an undeclared prefix': okta.replace('<md:NameIDFormat>', '<x:Bad/><md:NameIDFormat>'),
    'an undefined entity': okta.replace(
      'WantAuthnRequestsSigned="false"',
      'WantAuthnRequestsSigned="&bogus;"',
    ),
    'a control character': okta.replace('<md:NameIDFormat>', '<md:NameIDFormat>\u0001'),
    'a reference to a NUL character': okta.replace('<md:NameIDFormat>', '<md:NameIDFormat>&#0;'),
    'an HTML page': '<html><body>Sign in</body></html>',
    'a SAML Response instead of metadata':
      '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r" Version="2.0"/>',
    'an EntityDescriptor outside the metadata namespace':
      '<EntityDescriptor entityID="https://idp.example/"/>',
    'an entity without entityID': okta.replace(/entityID="[^"]*"/, ''),
    'an entityID over 1024 characters': okta.replace(
      /entityID="[^"]*"/,
      `entityID="https://x/${'a'.repeat(1100)}"`,
    ),
    'a KeyDescriptor with an unknown use': okta.replace('use="signing"', 'use="both"'),
    'a validUntil that is not a dateTime': okta.replace(
      '<md:EntityDescriptor ',
      '<md:EntityDescriptor validUntil="soon" ',
    ),
    'WantAuthnRequestsSigned that is not a boolean': okta.replace(
      'WantAuthnRequestsSigned="false"',
      'WantAuthnRequestsSigned="yes"',
    ),
  };
  for (const [name, xml] of Object.entries(cases)) {
    it(`refuses ${name}`, () => {
      expect(() => parseIdpMetadata(xml)).toThrow(code('saml_metadata_malformed'));
    });
  }

  it('accepts a leading byte order mark', () => {
    expect(parseIdpMetadata(`\uFEFF${okta}`).entityId).toBe('http://www.okta.com/exkppsa1qwuFV4D7z0h7');
  });
});

describe('XML 1.0 §2.8 DTDs: entity expansion and external entities are refused before parsing', () => {
  const billionLaughs = [
    '<?xml version="1.0"?>',
    '<!DOCTYPE md:EntityDescriptor [',
    '  <!ENTITY lol "lol">',
    ...Array.from(
      { length: 9 },
      (_, i) => `  <!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`,
    ),
    ']>',
    '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&lol9;"/>',
  ].join('\n');
  const xxe =
    '<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' +
    '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&xxe;"/>';
  const parameterEntity =
    '<!DOCTYPE foo [<!ENTITY % ext SYSTEM "http://127.0.0.1:9/evil.dtd"> %ext;]>' +
    '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>';
  const internalSubsetOnly = okta.replace(
    '<md:EntityDescriptor',
    '<!DOCTYPE md:EntityDescriptor><md:EntityDescriptor',
  );

  for (const [name, xml] of Object.entries({ billionLaughs, xxe, parameterEntity, internalSubsetOnly })) {
    it(`refuses ${name} quickly with saml_metadata_malformed`, () => {
      expect(() => parseIdpMetadata(xml)).toThrow(code('saml_metadata_malformed'));
      expect(timed(() => parseIdpMetadata(xml))).toBeLessThan(50);
    });
  }
});

describe('nesting limit: deep documents cannot exhaust the stack of recursive readers', () => {
  it('refuses 20 000 nested EntitiesDescriptors with saml_metadata_malformed (not a RangeError)', () => {
    const depth = 20_000;
    const xml =
      '<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata">' +
      `${'<EntitiesDescriptor>'.repeat(depth)}${'</EntitiesDescriptor>'.repeat(depth)}</EntitiesDescriptor>`;
    expect(() => parseIdpMetadata(xml)).toThrow(code('saml_metadata_malformed'));
  });

  it('still reads metadata nested a few levels deep (aggregates inside aggregates)', () => {
    const inner = okta.replace(/^<\?xml[^>]*\?>\s*/, '');
    const open = '<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">'.repeat(5);
    const xml = `${open}${inner}${'</md:EntitiesDescriptor>'.repeat(5)}`;
    expect(parseIdpMetadata(xml).entityId).toBe('http://www.okta.com/exkppsa1qwuFV4D7z0h7');
  });
});

describe('size limit (DESIGN.md: inputs have size limits)', () => {
  it('refuses a document over maxBytes with saml_metadata_too_large', () => {
    expect(() => parseIdpMetadata(okta, { maxBytes: 1000 })).toThrow(code('saml_metadata_too_large'));
    expect(parseIdpMetadata(okta, { maxBytes: Buffer.byteLength(okta) }).entityId).toContain('okta');
  });

  it('counts UTF-8 bytes, not characters', () => {
    const padded = okta.replace('<md:IDPSSODescriptor', `<!-- ${'é'.repeat(600)} --><md:IDPSSODescriptor`);
    const limit = Buffer.byteLength(okta) + 700;
    expect(padded.length).toBeLessThan(limit);
    expect(() => parseIdpMetadata(padded, { maxBytes: limit })).toThrow(code('saml_metadata_too_large'));
  });

  it('refuses a 2 MiB document by default, without parsing it', () => {
    const huge = okta.replace(
      '<md:IDPSSODescriptor',
      `<!-- ${'x'.repeat(2 * 1024 * 1024)} --><md:IDPSSODescriptor`,
    );
    expect(() => parseIdpMetadata(huge)).toThrow(code('saml_metadata_too_large'));
    expect(timed(() => parseIdpMetadata(huge))).toBeLessThan(50);
  });
});

describe('SAML Metadata 2.0 §2.4.3 IDPSSODescriptor: documents that describe no usable IdP', () => {
  it('refuses an SP-only document (TestShib without its IdP) with saml_metadata_not_idp', () => {
    const xml = metadataFixture('shibboleth-testshib-entities.xml').replace(
      /<EntityDescriptor entityID="https:\/\/idp\.testshib\.org\/idp\/shibboleth">[\s\S]*?<\/EntityDescriptor>/,
      '',
    );
    expect(xml).toContain('SPSSODescriptor');
    expect(xml).not.toContain('IDPSSODescriptor');
    expect(() => parseIdpMetadata(xml)).toThrow(code('saml_metadata_not_idp'));
  });

  it('refuses a SAML 1.1-only IdP picked from the SWAMID aggregate with saml_metadata_not_idp', () => {
    const xml = metadataFixture('swamid-test-federation-aggregate.xml');
    expect(() => parseIdpMetadata(xml, { entityId: 'https://idp.hig.se/identity' })).toThrow(
      code('saml_metadata_not_idp'),
    );
  });

  it('refuses an empty EntitiesDescriptor with saml_metadata_not_idp', () => {
    const xml = '<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata"/>';
    expect(() => parseIdpMetadata(xml)).toThrow(code('saml_metadata_not_idp'));
  });

  it('refuses an IdP without HTTP-Redirect or HTTP-POST SSO (SOAP only) with saml_metadata_no_sso_url', () => {
    const xml = metadataFixture('onelogin-383123.xml').replace(
      /<SingleSignOnService Binding="[^"]*HTTP-[^>]*>/g,
      '',
    );
    expect(xml).toContain('bindings:SOAP');
    expect(() => parseIdpMetadata(xml)).toThrow(code('saml_metadata_no_sso_url'));
  });

  it('refuses a javascript: or relative SSO Location with saml_metadata_sso_url_invalid', () => {
    for (const bad of ['javascript:alert(1)', '/relative/sso', 'https://ex ample.com/sso']) {
      expect(() => parseIdpMetadata(okta.replace(`Location="${OKTA_SSO}"`, `Location="${bad}"`))).toThrow(
        code('saml_metadata_sso_url_invalid'),
      );
    }
  });
});

describe('SAML Metadata 2.0 §2.4.1.1 KeyDescriptor: certificates', () => {
  it('refuses an IdP without any certificate with saml_metadata_no_certificate', () => {
    const xml = okta.replace(/<md:KeyDescriptor[\s\S]*?<\/md:KeyDescriptor>/, '');
    expect(() => parseIdpMetadata(xml)).toThrow(code('saml_metadata_no_certificate'));
  });

  it('refuses an IdP with only an encryption certificate with saml_metadata_no_certificate', () => {
    const xml = okta.replace('use="signing"', 'use="encryption"');
    expect(() => parseIdpMetadata(xml)).toThrow(code('saml_metadata_no_certificate'));
  });

  it('refuses garbage or a non-certificate in X509Certificate with saml_metadata_certificate_invalid', () => {
    for (const body of ['not base64 at all!', 'AAAA', Buffer.from('hello world').toString('base64')]) {
      const xml = okta.replace(/<ds:X509Certificate>[^<]+</, `<ds:X509Certificate>${body}<`);
      expect(() => parseIdpMetadata(xml)).toThrow(code('saml_metadata_certificate_invalid'));
    }
  });
});

describe('SAML Metadata 2.0 §2.3.1 EntitiesDescriptor: choosing the entity', () => {
  const swamid = metadataFixture('swamid-test-federation-aggregate.xml');

  it('refuses the 10-IdP SWAMID aggregate without entityId with saml_metadata_entity_ambiguous, naming IdPs', () => {
    expect(() => parseIdpMetadata(swamid)).toThrow(code('saml_metadata_entity_ambiguous'));
    expect(() => parseIdpMetadata(swamid)).toThrow(/10 IdPs.*https:\/\//);
  });

  it('refuses an entityId that is not in the document with saml_metadata_entity_not_found', () => {
    expect(() => parseIdpMetadata(swamid, { entityId: 'https://nowhere.example/idp' })).toThrow(
      code('saml_metadata_entity_not_found'),
    );
    expect(() => parseIdpMetadata(okta, { entityId: 'https://nowhere.example/idp' })).toThrow(
      code('saml_metadata_entity_not_found'),
    );
  });
});

describe('property: parseIdpMetadata returns metadata or throws SamlConfigError, nothing else', () => {
  function outcome(xml: string, options = {}): 'ok' | string {
    try {
      parseIdpMetadata(xml, options);
      return 'ok';
    } catch (error) {
      if (error instanceof SamlConfigError) return error.code;
      throw error;
    }
  }

  const xmlish = fc
    .array(
      fc.oneof(
        fc.constantFrom(
          '<',
          '>',
          '/>',
          '</',
          '="',
          '"',
          ' ',
          '&',
          ';',
          '<!--',
          '-->',
          '<![CDATA[',
          ']]>',
          '<?xml ?>',
        ),
        fc.constantFrom('md:EntityDescriptor', 'EntitiesDescriptor', 'IDPSSODescriptor', 'KeyDescriptor'),
        fc.constantFrom('xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"', 'entityID="x"', '&amp;', '&#x0;'),
        fc.string({ unit: 'binary', maxLength: 8 }),
      ),
      { maxLength: 40 },
    )
    .map((parts) => parts.join(''));

  it('holds for random strings and XML-like fragments', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), xmlish), (s) => {
        expect(outcome(s)).not.toBe('ok');
      }),
      { numRuns: 500 },
    );
  });

  /** Deletes, duplicates, inserts or replaces a random slice of `doc`. */
  const mutation = (doc: string) =>
    fc
      .tuple(
        fc.constantFrom('delete', 'duplicate', 'insert', 'replace'),
        fc.nat({ max: doc.length }),
        fc.nat({ max: 40 }),
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 6 }),
          fc.constantFrom('<', '>', '"', '&', '</x>', '='),
        ),
      )
      .map(([kind, at, len, text]) => {
        const end = Math.min(doc.length, at + len);
        if (kind === 'delete') return doc.slice(0, at) + doc.slice(end);
        if (kind === 'duplicate') return doc.slice(0, end) + doc.slice(at, end) + doc.slice(end);
        if (kind === 'insert') return doc.slice(0, at) + text + doc.slice(at);
        return doc.slice(0, at) + text + doc.slice(at + text.length);
      });

  it('holds for random mutations of real Okta and Shibboleth metadata', () => {
    const shib = metadataFixture('shibboleth-samltest-id-two-signing-certs.xml');
    fc.assert(
      fc.property(fc.oneof(mutation(okta), mutation(shib)), (xml) => {
        outcome(xml);
      }),
      { numRuns: 600 },
    );
  });

  it('holds for random mutations of signed Entra metadata checked with requireSignature', () => {
    const entra = metadataFixture('entra-common-federationmetadata-signed.xml');
    const options = { requireSignature: true, signerCertificates: [embeddedSignatureCertificate(entra)] };
    fc.assert(
      fc.property(mutation(entra), (xml) => {
        const result = outcome(xml, options);
        // A mutation the signature does not cover (or none at all) may pass; nothing else may.
        if (result === 'ok')
          expect(parseIdpMetadata(xml).entityId).toBe('https://sts.windows.net/{tenantid}/');
      }),
      { numRuns: 200 },
    );
  });
});
