/**
 * Canonicalization and text-node differentials (attacks.md §1.5): the text read is exactly the
 * text digested — comments skipped, CDATA and references decoded, processing instructions
 * refused — so a signed value can never be shortened into someone else's identity.
 */
import { describe, expect, it } from 'vitest';
import { ALG, EMAIL_FORMAT, signedA, signedRA } from './support/builder.ts';
import { expectRefused, settingsA, validate } from './support/expect.ts';

const nameId = (value: string) => `<saml:NameID Format="${EMAIL_FORMAT}">${value}</saml:NameID>`;
const withComments = settingsA({ allowedCanonicalizations: [ALG.excC14n, ALG.c14n, ALG.excC14nComments] });

describe('S-TXT text-node differentials (§1.5)', () => {
  it('S-TXT-1 a comment injected into a signed NameID never shortens it (VU#475445)', () => {
    const signed = signedA({ nameIdXml: nameId('admin@orga.test.evil.test') });
    const injected = signed.replace('>admin@orga.test.evil.test<', '>admin@orga.test<!---->.evil.test<');
    expect(injected).not.toBe(signed);
    expect(validate(injected).nameId).toBe('admin@orga.test.evil.test');
    expect(validate(signed.replace('>admin@orga', '><!-- x -->admin@orga')).nameId).toBe(
      'admin@orga.test.evil.test',
    );
  });

  it('S-TXT-2 a comment injected into an AttributeValue gives the full value', () => {
    const signed = signedRA({ attributes: [['role', ['admin-readonly']]] });
    const injected = signed.replace('>admin-readonly<', '>admin<!---->-readonly<');
    expect(validate(injected).attributes.role).toEqual(['admin-readonly']);
  });

  it('S-TXT-3 refuses a processing instruction injected into a signed NameID (xml-crypto renders PI data as text)', () => {
    const signed = signedA({ nameIdXml: nameId('not-an-admin@example.com') });
    const injected = signed.replace('>not-an-admin@example.com<', '><?p not-an-?>admin@example.com<');
    expectRefused(injected, 'saml_xml_processing_instruction_forbidden');
  });

  it('S-TXT-4 a CDATA split, empty or not, reads the full value', () => {
    const signed = signedA({ nameIdXml: nameId('admin@orga.test.evil.test') });
    const split = signed.replace('>admin@orga.test.evil.test<', '>admin@orga.test<![CDATA[.evil.test]]><');
    expect(validate(split).nameId).toBe('admin@orga.test.evil.test');
    const empty = signed.replace('>admin@orga.test.evil.test<', '>admin@orga.test<![CDATA[]]>.evil.test<');
    expect(validate(empty).nameId).toBe('admin@orga.test.evil.test');
  });

  it('S-TXT-5 character and entity references decode the same for digest and reader', () => {
    const signed = signedA({ nameIdXml: nameId('a&amp;b@orga.test') });
    expect(validate(signed).nameId).toBe('a&b@orga.test');
    expect(validate(signed.replace('a&amp;b@orga.test', 'a&#38;b&#64;orga.test')).nameId).toBe(
      'a&b@orga.test',
    );
    expectRefused(signed.replace('a&amp;b@orga.test', 'a&amp;b@orga.test&nbsp;'), 'saml_xml_malformed');
  });

  it('S-TXT-6 refuses #WithComments in SignedInfo or a Reference unless the configuration allows it', () => {
    const signed = signedA(
      {},
      { canonicalization: ALG.excC14nComments, transforms: [ALG.enveloped, ALG.excC14nComments] },
    );
    expectRefused(signed, 'saml_canonicalization_forbidden', { algorithm: ALG.excC14nComments });
    expect(validate(signed, withComments).nameId).toBe('alice@orga.test');
    const transformOnly = signedA({}, { transforms: [ALG.enveloped, ALG.excC14nComments] });
    expectRefused(transformOnly, 'saml_canonicalization_forbidden', { algorithm: ALG.excC14nComments });
  });

  it('S-TXT-6 with #WithComments allowed, S-TXT-1..3 still hold', () => {
    const signed = signedA(
      { nameIdXml: nameId('admin@orga.test.evil.test') },
      { canonicalization: ALG.excC14nComments, transforms: [ALG.enveloped, ALG.excC14nComments] },
    );
    // A same-document reference is dereferenced without comments (XML-DSig §4.4.3.3).
    const comment = signed.replace('>admin@orga.test.evil.test<', '>admin@orga.test<!---->.evil.test<');
    expect(validate(comment, withComments).nameId).toBe('admin@orga.test.evil.test');
    const pi = signed.replace('>admin@orga.test.evil.test<', '>admin@orga.test<?x?>.evil.test<');
    expectRefused(pi, 'saml_xml_processing_instruction_forbidden', undefined, withComments);
  });

  it('S-TXT-6 a comment inside SignedInfo counts when SignedInfo is canonicalized #WithComments', () => {
    const signed = signedA({}, { canonicalization: ALG.excC14nComments });
    const commented = signed.replace('<ds:SignatureMethod', '<!-- added --><ds:SignatureMethod');
    expectRefused(commented, 'saml_signature_invalid', { reason: 'signature_value' }, withComments);
    expect(validate(signedA().replace('<ds:SignatureMethod', '<!-- ok --><ds:SignatureMethod')).nameId).toBe(
      'alice@orga.test',
    );
  });

  it('S-TXT-7 (documented policy) returns the NameID verbatim: no trimming, no case folding, no homoglyph mapping', () => {
    for (const value of ['\n  alice@orga.test  \n', 'ALICE@ORGA.TEST', '\u0430lice@orga.test']) {
      expect(validate(signedA({ nameIdXml: nameId(value) })).nameId).toBe(value);
    }
  });
});
