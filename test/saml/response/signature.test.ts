/**
 * XML Signature presence, coverage and shape (attacks.md §1.1, §1.4, §1.7): XML-DSig 1.1 core
 * validation as SAML Core 5.4 profiles it.
 */
import { createHash, createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { Element } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import { ExclusiveCanonicalization } from 'xml-crypto';
import {
  ALG,
  assertionOf,
  buildResponse,
  excC14nWithoutSignature,
  mutate,
  NS_DSIG,
  nameIdOf,
  one,
  parse,
  resign,
  setText,
  sign,
  signatureOf,
  signedA,
  signedR,
  signedRA,
} from './support/builder.ts';
import { ALICE, expectRefused, settingsA, validate } from './support/expect.ts';
import { ATTACKER_KEY, IDP_A_KEY, IDP_B_KEY } from './support/keys.ts';

const assertionSignature = (doc: Parameters<typeof assertionOf>[0]) => signatureOf(assertionOf(doc));
const responseSignature = (doc: Parameters<typeof assertionOf>[0]) => signatureOf(doc.documentElement!);

/** Edits the assertion's SignedInfo with `edit`, then gives it a genuine IdP SignatureValue. */
function editAssertionSignedInfo(xml: string, edit: (signedInfo: Element) => void): string {
  return mutate(xml, (doc) => {
    const signature = assertionSignature(doc);
    edit(one(signature, NS_DSIG, 'SignedInfo'));
    resign(signature);
  });
}

describe('XML-DSig / SAML Core 5.4: signature presence and coverage (§1.1)', () => {
  it('S-SIG-1 refuses a fully unsigned response', () => {
    expectRefused(buildResponse(), 'saml_signature_missing');
  });

  it('S-SIG-2 refuses a Signature stripped of SignedInfo and SignatureValue but keeping KeyInfo', () => {
    const xml = mutate(signedA(), (doc) => {
      const signature = assertionSignature(doc);
      signature.removeChild(one(signature, NS_DSIG, 'SignedInfo'));
      signature.removeChild(one(signature, NS_DSIG, 'SignatureValue'));
    });
    expectRefused(xml, 'saml_signature_invalid', { reason: 'SignedInfo_count' });
  });

  it('S-SIG-3 refuses a signed Response around an unsigned assertion when assertion signatures are required', () => {
    expectRefused(signedR(), 'saml_assertion_unsigned');
  });

  it('S-SIG-4 (recorded policy) accepts an unsigned Response around a signed assertion', () => {
    expect(validate(signedA()).nameId).toBe(ALICE.nameId);
  });

  it('S-SIG-5 refuses an assertion changed after signing, even inside a validly re-signed Response', () => {
    const assertionSigned = mutate(sign(buildResponse(), 'Assertion'), (doc) =>
      setText(nameIdOf(doc), 'admin@orga.test'),
    );
    expectRefused(sign(assertionSigned, 'Response'), 'saml_signature_invalid', {
      reason: 'digest_mismatch',
      signedElement: 'Assertion',
    });
  });

  it('S-SIG-6 refuses a Response changed after signing although the assertion signature is valid', () => {
    // An equivalent Destination passes the Destination check, so only the Response digest can catch it.
    const xml = signedRA().replace('Destination="https://sp.test/', 'Destination="HTTPS://SP.TEST/');
    expectRefused(xml, 'saml_signature_invalid', { reason: 'digest_mismatch', signedElement: 'Response' });
  });

  it('S-SIG-7 refuses a Reference URI that points to another element (the Response, or an unknown ID)', () => {
    for (const uri of ['#_r1', '#_other']) {
      const xml = editAssertionSignedInfo(signedA(), (si) =>
        one(si, NS_DSIG, 'Reference').setAttribute('URI', uri),
      );
      expectRefused(xml, 'saml_signature_invalid', { reason: 'reference_uri', uri });
    }
  });

  it('S-SIG-8 refuses an empty Reference URI (whole document), stricter than python3-saml', () => {
    const xml = editAssertionSignedInfo(signedA(), (si) =>
      one(si, NS_DSIG, 'Reference').setAttribute('URI', ''),
    );
    expectRefused(xml, 'saml_signature_invalid', { reason: 'reference_uri' });
  });

  it('S-SIG-9 refuses the assertion signature moved into Subject', () => {
    const xml = mutate(signedA(), (doc) => {
      const signature = assertionSignature(doc);
      one(doc, 'urn:oasis:names:tc:SAML:2.0:assertion', 'Subject').appendChild(signature);
    });
    expectRefused(xml, 'saml_signature_invalid', { reason: 'signature_misplaced' });
  });

  it('S-SIG-9 refuses the assertion signature moved to the end of the Response', () => {
    const xml = mutate(signedA(), (doc) => doc.documentElement!.appendChild(assertionSignature(doc)));
    expectRefused(xml, 'saml_signature_invalid', { reason: 'reference_uri', uri: '#_a1', parentId: '_r1' });
  });

  it('S-SIG-10 refuses two signatures inside the same assertion', () => {
    const xml = mutate(signedA(), (doc) => {
      const signature = assertionSignature(doc);
      signature.parentNode!.insertBefore(signature.cloneNode(true), signature);
    });
    expectRefused(xml, 'saml_signature_invalid', { reason: 'multiple_signatures' });
  });

  it('S-SIG-11 refuses a validly signed reference with a third transform (assertion and Response)', () => {
    const transforms = [ALG.enveloped, ALG.excC14n, ALG.excC14n];
    expectRefused(signedA({}, { transforms }), 'saml_transform_forbidden', { count: 3 });
    expectRefused(
      signedR({}, { transforms }),
      'saml_transform_forbidden',
      { count: 3 },
      settingsA({ requireSignedAssertion: false }),
    );
  });

  it('S-SIG-12 refuses a signature without SignedInfo', () => {
    const xml = mutate(signedA(), (doc) => {
      const signature = assertionSignature(doc);
      signature.removeChild(one(signature, NS_DSIG, 'SignedInfo'));
    });
    expectRefused(xml, 'saml_signature_invalid', { reason: 'SignedInfo_count' });
  });

  it('S-SIG-14 refuses a signed error status even with an injected signed assertion', () => {
    const status =
      '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Requester"><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:RequestDenied"/></samlp:StatusCode><samlp:StatusMessage>no</samlp:StatusMessage></samlp:Status>';
    expectRefused(signedRA({ statusXml: status }), 'saml_status_not_success', {
      statusCodes: [
        'urn:oasis:names:tc:SAML:2.0:status:Requester',
        'urn:oasis:names:tc:SAML:2.0:status:RequestDenied',
      ],
      statusMessage: 'no',
    });
  });

  it('verifies RA with the Response signature last (Auth0 layout): the enveloped assertion signature is put back', () => {
    const xml = sign(sign(buildResponse(), 'Assertion'), 'Response', { placement: 'last' });
    expect(validate(xml).nameId).toBe(ALICE.nameId);
  });

  it('accepts c14n 1.0 (inclusive) as SignedInfo method and transform, and as the implicit final c14n', () => {
    expect(
      validate(signedRA({}, { canonicalization: ALG.c14n, transforms: [ALG.enveloped, ALG.c14n] })).nameId,
    ).toBe(ALICE.nameId);
    expect(validate(signedA({}, { transforms: [ALG.enveloped] })).nameId).toBe(ALICE.nameId);
  });

  it('refuses c14n 1.0 when the configuration allows exclusive c14n only', () => {
    const settings = settingsA({ allowedCanonicalizations: [ALG.excC14n] });
    expectRefused(
      signedA({}, { transforms: [ALG.enveloped] }),
      'saml_canonicalization_forbidden',
      { algorithm: ALG.c14n },
      settings,
    );
    expectRefused(
      signedA({}, { canonicalization: ALG.c14n }),
      'saml_canonicalization_forbidden',
      undefined,
      settings,
    );
  });

  it('refuses a reference without the enveloped-signature transform, or with it second', () => {
    expectRefused(signedA({}, { transforms: [ALG.excC14n] }), 'saml_transform_forbidden');
    expectRefused(signedA({}, { transforms: [ALG.excC14n, ALG.enveloped] }), 'saml_transform_forbidden');
  });

  it('honours an InclusiveNamespaces prefix declared only on an ancestor (Okta style), without disturbing RA', () => {
    const xs =
      'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';
    const typed = buildResponse({ attributes: [['role', ['member']]] })
      .replace('<samlp:Response ', `<samlp:Response ${xs} `)
      .replace('<saml:AttributeValue>', '<saml:AttributeValue xsi:type="xs:string">');
    const assertionSigned = sign(typed, 'Assertion', { inclusivePrefixes: ['xs'] });
    // The digest covers xmlns:xs on the assertion, which only the ancestor declares.
    expect(validate(assertionSigned).attributes.role).toEqual(['member']);
    const withoutPrefixList = mutate(assertionSigned, (doc) => {
      const list = one(
        assertionSignature(doc),
        'http://www.w3.org/2001/10/xml-exc-c14n#',
        'InclusiveNamespaces',
      );
      list.parentNode!.removeChild(list);
      resign(assertionSignature(doc));
    });
    expectRefused(withoutPrefixList, 'saml_signature_invalid', { reason: 'digest_mismatch' });
    expect(validate(sign(assertionSigned, 'Response', { inclusivePrefixes: ['xs'] })).nameId).toBe(
      ALICE.nameId,
    );
  });

  it('accepts RSA-SHA512', () => {
    expect(validate(signedA({}, { signatureAlgorithm: ALG.rsaSha512 })).nameId).toBe(ALICE.nameId);
  });
});

describe('XML-DSig SignedInfo and digest manipulation (§1.4)', () => {
  const evilDigest = (xml: string) =>
    mutate(xml, (doc) => {
      setText(nameIdOf(doc), 'admin@orga.test');
      const digest = createHash('sha256')
        .update(excC14nWithoutSignature(assertionOf(doc)))
        .digest('base64');
      doc.documentElement!.setAttribute('data-evil-digest', digest);
    });

  it('S-DIG-1 refuses a DigestValue carrying a comment, in either order (CVE-2025-29775)', () => {
    const evil = evilDigest(signedA());
    const digest = /data-evil-digest="([^"]+)"/.exec(evil)![1]!;
    const clean = evil.replace(/ data-evil-digest="[^"]+"/, '');
    const original = /<ds:DigestValue>([^<]+)</.exec(clean)![1]!;
    for (const value of [`<!--${digest}-->${original}`, `${original}<!--${digest}-->`, `<!---->${digest}`]) {
      const xml = clean.replace(`<ds:DigestValue>${original}<`, `<ds:DigestValue>${value}<`);
      expectRefused(xml, 'saml_signature_invalid', { reason: 'DigestValue_not_base64' });
    }
  });

  it('S-DIG-2 refuses two SignedInfo nodes in one Signature (CVE-2025-29774)', () => {
    const xml = mutate(signedA(), (doc) => {
      const signedInfo = one(assertionSignature(doc), NS_DSIG, 'SignedInfo');
      signedInfo.parentNode!.insertBefore(signedInfo.cloneNode(true), signedInfo);
    });
    expectRefused(xml, 'saml_signature_invalid', { reason: 'SignedInfo_count' });
  });

  it('S-DIG-3 never reads a SignedInfo wrapped elsewhere: in ds:Object refused, in KeyInfo ignored', () => {
    const wrapped = (where: 'Object' | 'KeyInfo') =>
      mutate(signedA(), (doc) => {
        const signature = assertionSignature(doc);
        const copy = one(signature, NS_DSIG, 'SignedInfo').cloneNode(true) as Element;
        setText(one(copy, NS_DSIG, 'DigestValue'), 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=');
        if (where === 'KeyInfo') one(signature, NS_DSIG, 'KeyInfo').appendChild(copy);
        else {
          const object = doc.createElementNS(NS_DSIG, 'ds:Object');
          object.appendChild(copy);
          signature.appendChild(object);
        }
      });
    expectRefused(wrapped('Object'), 'saml_signature_invalid', { reason: 'unexpected_element' });
    expect(validate(wrapped('KeyInfo')).nameId).toBe(ALICE.nameId);
  });

  it('S-DIG-4 refuses an evil assertion with its digest planted before the signature (CVE-2024-45409)', () => {
    const evil = evilDigest(signedA());
    const digest = /data-evil-digest="([^"]+)"/.exec(evil)![1]!;
    const xml = evil
      .replace(/ data-evil-digest="[^"]+"/, '')
      .replace(
        '<samlp:Status>',
        `<samlp:Extensions><ds:DigestValue xmlns:ds="${NS_DSIG}">${digest}</ds:DigestValue></samlp:Extensions><samlp:Status>`,
      );
    expectRefused(xml, 'saml_signature_invalid', { reason: 'digest_mismatch' });
  });

  it('S-DIG-5 refuses a second Reference in a genuinely signed SignedInfo', () => {
    const xml = editAssertionSignedInfo(signedA(), (si) => {
      const reference = one(si, NS_DSIG, 'Reference').cloneNode(true) as Element;
      reference.setAttribute('URI', '#_r1');
      si.appendChild(reference);
    });
    expectRefused(xml, 'saml_signature_invalid', { reason: 'Reference_count', count: 2 });
  });

  it('S-DIG-6 accepts line breaks and spaces inside DigestValue and SignatureValue', () => {
    const xml = mutate(signedA(), (doc) => {
      const signature = assertionSignature(doc);
      const digest = one(signature, NS_DSIG, 'DigestValue');
      setText(digest, `\n  ${digest.textContent!.replace(/.{20}/g, '$&\n  ')}\n`);
      resign(signature);
      const value = one(signature, NS_DSIG, 'SignatureValue');
      setText(value, `\n${value.textContent!.replace(/.{76}/g, '$&\r\n')}\n`);
    });
    expect(validate(xml).nameId).toBe(ALICE.nameId);
  });
});

describe('Keys, certificates and algorithms (§1.7)', () => {
  it('S-KEY-1 refuses a response re-signed by an attacker with the attacker certificate in KeyInfo', () => {
    const xml = signedRA({ nameIdXml: '<saml:NameID>admin@orga.test</saml:NameID>' }, { key: ATTACKER_KEY });
    expect(xml).toContain(ATTACKER_KEY.certPem.split('\n')[1]!);
    expectRefused(xml, 'saml_signature_invalid', { reason: 'signature_value' });
  });

  it('S-KEY-2 never uses KeyInfo: an unconfigured certificate there neither verifies nor breaks a signature', () => {
    const attackerCert = ATTACKER_KEY.certPem.replace(/-----[A-Z ]+-----|\s/g, '');
    // Only KeyInfo outside every digest is changed: the assertion's own (A), the Response's (RA).
    const swapped = (xml: string, signatureOf: typeof assertionSignature) =>
      mutate(xml, (doc) => setText(one(signatureOf(doc), NS_DSIG, 'X509Certificate'), attackerCert));
    expect(validate(swapped(signedA(), assertionSignature)).nameId).toBe(ALICE.nameId);
    expect(validate(swapped(signedRA(), responseSignature)).nameId).toBe(ALICE.nameId);
    const stripped = mutate(signedA(), (doc) => {
      const signature = assertionSignature(doc);
      signature.removeChild(one(signature, NS_DSIG, 'KeyInfo'));
    });
    expect(validate(stripped).nameId).toBe(ALICE.nameId);
  });

  it('S-KEY-3 refuses a response for configuration A signed with IdP B key (B certificate in KeyInfo)', () => {
    expectRefused(signedRA({}, { key: IDP_B_KEY }), 'saml_signature_invalid', { reason: 'signature_value' });
  });

  it('S-KEY-4 refuses HMAC-SHA1 keyed with the IdP certificate PEM (key confusion)', () => {
    const xml = signedA({}, { hmac: true, signatureAlgorithm: ALG.hmacSha1 });
    // The vector is a genuine HMAC over SignedInfo: the refusal is the allowlist, not a bad value.
    const signedInfo = new ExclusiveCanonicalization().process(
      one(parse(xml), NS_DSIG, 'SignedInfo') as never,
      {},
    );
    expect(/<ds:SignatureValue>([^<]+)</.exec(xml)![1]).toBe(
      createHmac('sha1', IDP_A_KEY.certPem).update(signedInfo).digest('base64'),
    );
    expectRefused(xml, 'saml_signature_algorithm_forbidden', { algorithm: ALG.hmacSha1 });
  });

  it('S-KEY-5 refuses RSA-SHA1 and a SHA-1 digest unless allowSha1, then accepts them', () => {
    const sha1 = signedRA({}, { signatureAlgorithm: ALG.rsaSha1, digestAlgorithm: ALG.sha1 });
    expectRefused(sha1, 'saml_signature_algorithm_forbidden', { algorithm: ALG.rsaSha1 });
    expectRefused(signedA({}, { digestAlgorithm: ALG.sha1 }), 'saml_signature_algorithm_forbidden', {
      algorithm: ALG.sha1,
    });
    expect(validate(sha1, settingsA({ allowSha1: true })).nameId).toBe(ALICE.nameId);
  });

  it('S-KEY-6 refuses rsa-md5, rsa-sha224, an empty and a missing SignatureMethod', () => {
    for (const algorithm of [
      'http://www.w3.org/2001/04/xmldsig-more#rsa-md5',
      'http://www.w3.org/2001/04/xmldsig-more#rsa-sha224',
      '',
    ]) {
      const xml = editAssertionSignedInfo(signedA(), (si) =>
        one(si, NS_DSIG, 'SignatureMethod').setAttribute('Algorithm', algorithm),
      );
      expectRefused(xml, 'saml_signature_algorithm_forbidden', { algorithm });
    }
    const missing = editAssertionSignedInfo(signedA(), (si) =>
      si.removeChild(one(si, NS_DSIG, 'SignatureMethod')),
    );
    expectRefused(missing, 'saml_signature_invalid', { reason: 'SignatureMethod_count' });
  });

  it('S-KEY-7 refuses an XSLT transform before running anything: the canary listener gets no connection', async () => {
    let connections = 0;
    const canary = createServer((_req, res) => res.end()).on('connection', () => connections++);
    await new Promise<void>((resolve) => canary.listen(0, '127.0.0.1', resolve));
    const { port } = canary.address() as { port: number };
    try {
      const xml = editAssertionSignedInfo(signedA(), (si) => {
        const transform = one(si, NS_DSIG, 'Transform', 1);
        transform.setAttribute('Algorithm', 'http://www.w3.org/TR/1999/REC-xslt-19991116');
        const doc = transform.ownerDocument!;
        const stylesheet = doc.createElementNS('http://www.w3.org/1999/XSL/Transform', 'xsl:stylesheet');
        const xslValueOf = doc.createElementNS('http://www.w3.org/1999/XSL/Transform', 'xsl:value-of');
        xslValueOf.setAttribute('select', `document('http://127.0.0.1:${port}/x')`);
        stylesheet.appendChild(xslValueOf);
        transform.appendChild(stylesheet);
      });
      expectRefused(xml, 'saml_transform_forbidden', {
        algorithm: 'http://www.w3.org/TR/1999/REC-xslt-19991116',
      });
      await new Promise((resolve) => setImmediate(resolve));
      expect(connections).toBe(0);
    } finally {
      canary.close();
    }
  });

  it('S-KEY-8 refuses an XPath filter transform that would leave attributes out of the digest', () => {
    const xml = editAssertionSignedInfo(signedA(), (si) => {
      const transform = one(si, NS_DSIG, 'Transform', 1);
      transform.setAttribute('Algorithm', 'http://www.w3.org/TR/1999/REC-xpath-19991116');
      const xpath = transform.ownerDocument!.createElementNS(NS_DSIG, 'ds:XPath');
      xpath.appendChild(
        transform.ownerDocument!.createTextNode('not(ancestor-or-self::saml:AttributeStatement)'),
      );
      transform.appendChild(xpath);
    });
    expectRefused(xml, 'saml_transform_forbidden');
  });

  it('S-KEY-12 refuses RSA-PSS (sha256-rsa-MGF1): not on the allowlist, a deliberate decision', () => {
    expectRefused(signedA({}, { signatureAlgorithm: ALG.rsaPss }), 'saml_signature_algorithm_forbidden', {
      algorithm: ALG.rsaPss,
    });
  });
});
