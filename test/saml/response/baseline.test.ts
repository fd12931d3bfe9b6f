/**
 * Positive controls (attacks.md §0.2) and the settings the validator trusts: the policy in force
 * is "assertion signature required, Response signature optional" (S-BASE-2 accepted, S-BASE-3
 * refused unless `requireSignedAssertion` is false).
 */
import { describe, expect, it } from 'vitest';
import { SamlConfigError } from '../../../src/saml/config-errors.ts';
import { SamlError } from '../../../src/saml/errors.ts';
import { DEFAULT_CANONICALIZATIONS, validateResponse } from '../../../src/saml/validate-response.ts';
import { ALG, b64, buildResponse, NOW, REQUEST_ID, signedA, signedR, signedRA } from './support/builder.ts';
import { ALICE, expectRefused, settingsA, validate } from './support/expect.ts';
import { ATTACKER_KEY, IDP_A_KEY, IDP_B_KEY, WEAK_KEY } from './support/keys.ts';
import { xmlsecVerifies } from './support/xmlsec.ts';

describe('S-BASE positive controls (attacks.md §0.2)', () => {
  it('the baseline vectors verify with the independent xmlsec1 binary', () => {
    expect(xmlsecVerifies(signedA(), IDP_A_KEY)).toBe(true);
    expect(xmlsecVerifies(signedR(), IDP_A_KEY)).toBe(true);
  });

  it('S-BASE-1 accepts RA (Response and Assertion signed) as alice', () => {
    expect(validate(signedRA())).toEqual({ ...ALICE, encrypted: false });
  });

  it('S-BASE-2 accepts A (only the Assertion signed) with the default policy', () => {
    expect(validate(signedA())).toEqual({ ...ALICE, encrypted: false });
  });

  it('S-BASE-3 refuses R (only the Response signed) by default', () => {
    expectRefused(signedR(), 'saml_assertion_unsigned');
  });

  it('S-BASE-3 accepts R when requireSignedAssertion is false (the Response signature covers the assertion)', () => {
    expect(validate(signedR(), settingsA({ requireSignedAssertion: false }))).toEqual({
      ...ALICE,
      encrypted: false,
    });
  });

  it('DEFAULT_CANONICALIZATIONS is exclusive c14n and c14n 1.0, both without comments', () => {
    expect([...DEFAULT_CANONICALIZATIONS].sort()).toEqual([ALG.excC14n, ALG.c14n].sort());
  });

  it('applies the documented defaults when optional settings are left out', () => {
    const { allowedCanonicalizations: _c, clockSkewSeconds: _s, ...rest } = settingsA();
    const loose = rest as Parameters<typeof validateResponse>[1];
    expect(validateResponse(b64(signedA()), loose, NOW).nameId).toBe('alice@orga.test');
  });
});

describe('ValidatedAssertion facts', () => {
  it('notOnOrAfter is the earlier of SubjectConfirmationData and Conditions NotOnOrAfter, without skew', () => {
    expect(validate(signedA({ notOnOrAfter: NOW + 2 * 60_000 })).notOnOrAfter).toBe(NOW + 2 * 60_000);
    expect(validate(signedA({ scdNotOnOrAfter: NOW + 3 * 60_000 })).notOnOrAfter).toBe(NOW + 3 * 60_000);
  });

  it('inResponseTo comes from the signed SubjectConfirmationData', () => {
    expect(validate(signedA({ responseInResponseTo: null })).inResponseTo).toBe(REQUEST_ID);
  });

  it('inResponseTo is not taken from an unsigned Response attribute alone (the login reads as unsolicited)', () => {
    expect(validate(signedA({ scdInResponseTo: null })).inResponseTo).toBeNull();
  });

  it('inResponseTo is taken from the Response when the Response signature covers it', () => {
    expect(validate(signedRA({ scdInResponseTo: null })).inResponseTo).toBe(REQUEST_ID);
  });

  it('an unsolicited response (no InResponseTo anywhere) is returned with inResponseTo null for the caller to judge', () => {
    expect(validate(signedRA({ scdInResponseTo: null, responseInResponseTo: null })).inResponseTo).toBeNull();
  });

  it('attributes are keyed by Name only and carry every value in order', () => {
    const xml = signedA({
      attributes: [
        ['urn:oid:0.9.2342.19200300.100.1.3', ['a@x', 'b@x']],
        ['__proto__', ['p']],
      ],
    });
    const { attributes } = validate(xml);
    expect(Object.keys(attributes)).toEqual(['urn:oid:0.9.2342.19200300.100.1.3', '__proto__']);
    expect(attributes['urn:oid:0.9.2342.19200300.100.1.3']).toEqual(['a@x', 'b@x']);
    expect(Object.getOwnPropertyDescriptor(attributes, '__proto__')?.value).toEqual(['p']);
  });

  it('a Subject without NameID yields nameId null', () => {
    const result = validate(signedA({ nameIdXml: '' }));
    expect([result.nameId, result.nameIdFormat]).toEqual([null, null]);
  });
});

describe('Settings (configuration errors fail closed)', () => {
  it('S-SIG-13 refuses every response when no IdP certificate is configured', () => {
    for (const idpCertificates of [[], undefined]) {
      const settings = settingsA({ idpCertificates: idpCertificates as unknown as string[] });
      expect(() => validate(signedRA(), settings)).toThrow(SamlConfigError);
      expect(() => validate(buildResponse(), settings)).toThrow(SamlConfigError);
    }
  });

  it('S-SIG-13 refuses an empty-string certificate as unusable, not as "no check"', () => {
    const error = (() => {
      try {
        validate(signedRA(), settingsA({ idpCertificates: [''] }));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(SamlConfigError);
    expect((error as SamlConfigError).code).toBe('saml_certificate_invalid');
  });

  it('S-KEY-11 refuses a configured IdP certificate with an RSA key under 2048 bits', () => {
    const xml = signedA({}, { key: WEAK_KEY });
    expect(() => validate(xml, settingsA({ idpCertificates: [WEAK_KEY.certPem] }))).toThrow(
      expect.objectContaining({ code: 'saml_certificate_invalid' }),
    );
  });

  it('refuses settings without entity IDs or ACS URL, and unparseable decryption keys', () => {
    expect(() => validate(signedA(), settingsA({ spEntityId: '' }))).toThrow(
      expect.objectContaining({ code: 'saml_entity_id_invalid' }),
    );
    expect(() => validate(signedA(), settingsA({ acsUrl: ' ' }))).toThrow(
      expect.objectContaining({ code: 'saml_url_invalid' }),
    );
    expect(() => validate(signedA(), settingsA({ decryptionKeys: ['nope'] }))).toThrow(
      expect.objectContaining({ code: 'saml_key_invalid' }),
    );
  });

  it('S-KEY-10 accepts a response signed with the second of two configured certificates (rollover)', () => {
    const settings = settingsA({ idpCertificates: [IDP_B_KEY.certPem, IDP_A_KEY.certPem] });
    expect(validate(signedRA(), settings).nameId).toBe('alice@orga.test');
  });

  it('accepts a certificate given as bare base64, as metadata carries it', () => {
    const bare = IDP_A_KEY.certPem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
    expect(validate(signedA(), settingsA({ idpCertificates: [bare] })).nameId).toBe('alice@orga.test');
  });

  it('S-KEY-9 does not enforce the validity dates of the pinned IdP certificate (documented policy)', () => {
    // The test certificates are valid from today on; the frozen clock is before that.
    expect(validate(signedA(), settingsA(), Date.parse('2025-06-02T10:00:00Z')).nameId).toBe(
      'alice@orga.test',
    );
  });

  it('a response signed by an unregistered key is a protocol error, not a configuration error', () => {
    const error = expectRefused(signedA({}, { key: ATTACKER_KEY }), 'saml_signature_invalid');
    expect(error).toBeInstanceOf(SamlError);
  });

  it('a malformed message with a valid configuration only ever throws SamlError', () => {
    expect(() => validate('<not xml')).toThrow(SamlError);
  });
});
