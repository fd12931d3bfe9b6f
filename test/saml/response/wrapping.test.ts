/**
 * XML Signature Wrapping (attacks.md §1.2, Somorovsky et al. 2012, SAMLRaider XSWHelpers) and
 * further wrapping, injection and selection attacks (§1.3). Every case is refused; the identity
 * is therefore never the attacker's. Each is run against the variant it targets and against RA.
 */
import type { Document, Element } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import {
  assertionOf,
  buildAssertion,
  buildResponse,
  mutate,
  NS_ASSERTION,
  NS_DSIG,
  NS_PROTOCOL,
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

const relaxed = settingsA({ requireSignedAssertion: false });
const makeEvil = (el: Element) => setText(one(el, NS_ASSERTION, 'NameID'), 'admin@orga.test');
const clone = (el: Element) => el.cloneNode(true) as Element;
const removeSignature = (el: Element) => {
  const sig = signatureOf(el);
  if (sig) el.removeChild(sig);
};

/** Refused with `code`: stronger than the never-as-attacker minimum bar (attacks.md §0.3). */
function refusedNeverAsAttacker(
  xml: string,
  code: Parameters<typeof expectRefused>[1],
  settings = settingsA(),
) {
  expectRefused(xml, code, undefined, settings);
}

describe('S-XSW-1..8: the eight classic signature-wrapping variants', () => {
  const xsw1 = (xml: string) =>
    mutate(xml, (doc) => {
      const response = doc.documentElement!;
      const copy = clone(response);
      removeSignature(copy);
      signatureOf(response).appendChild(copy);
      makeEvil(response);
      response.setAttribute('ID', '_evil_response_ID');
    });
  const xsw2 = (xml: string) =>
    mutate(xml, (doc) => {
      const response = doc.documentElement!;
      const copy = clone(response);
      removeSignature(copy);
      response.insertBefore(copy, signatureOf(response));
      makeEvil(response);
      response.setAttribute('ID', '_evil_response_ID');
    });
  const evilUnsignedCopy = (doc: Document) => {
    const copy = clone(assertionOf(doc));
    removeSignature(copy);
    makeEvil(copy);
    copy.setAttribute('ID', '_evil_assertion_ID');
    return copy;
  };
  const xsw3 = (xml: string) =>
    mutate(xml, (doc) => doc.documentElement!.insertBefore(evilUnsignedCopy(doc), assertionOf(doc)));
  const xsw4 = (xml: string) =>
    mutate(xml, (doc) => {
      const original = assertionOf(doc);
      const evil = evilUnsignedCopy(doc);
      doc.documentElement!.appendChild(evil);
      evil.appendChild(original);
    });
  const xsw5 = (xml: string) =>
    mutate(xml, (doc) => {
      const original = assertionOf(doc);
      const copy = clone(original);
      removeSignature(copy);
      makeEvil(original);
      original.setAttribute('ID', '_evil_assertion_ID');
      doc.documentElement!.appendChild(copy);
    });
  const xsw6 = (xml: string) =>
    mutate(xml, (doc) => {
      const original = assertionOf(doc);
      const copy = clone(original);
      removeSignature(copy);
      makeEvil(original);
      original.setAttribute('ID', '_evil_assertion_ID');
      signatureOf(original).appendChild(copy);
    });
  const xsw7 = (xml: string) =>
    mutate(xml, (doc) => {
      const extensions = doc.createElementNS(null as never, 'Extensions');
      const copy = clone(assertionOf(doc));
      removeSignature(copy);
      makeEvil(copy);
      extensions.appendChild(copy);
      doc.documentElement!.insertBefore(extensions, assertionOf(doc));
    });
  const xsw8 = (xml: string) =>
    mutate(xml, (doc) => {
      const original = assertionOf(doc);
      const copy = clone(original);
      removeSignature(copy);
      makeEvil(original);
      const object = doc.createElementNS(NS_DSIG, 'ds:Object');
      object.appendChild(copy);
      signatureOf(original).appendChild(object);
    });

  it('S-XSW-1 clone of the Response inside its Signature, evil outer Response (R and RA)', () => {
    refusedNeverAsAttacker(xsw1(signedR()), 'saml_id_duplicate', relaxed);
    refusedNeverAsAttacker(xsw1(signedRA()), 'saml_id_duplicate');
  });

  it('S-XSW-2 clone of the Response as a sibling before the Signature (R and RA)', () => {
    refusedNeverAsAttacker(xsw2(signedR()), 'saml_id_duplicate', relaxed);
    refusedNeverAsAttacker(xsw2(signedRA()), 'saml_id_duplicate');
  });

  it('S-XSW-3 evil unsigned assertion inserted before the signed one (A and RA)', () => {
    refusedNeverAsAttacker(xsw3(signedA()), 'saml_assertion_multiple');
    refusedNeverAsAttacker(xsw3(signedRA()), 'saml_assertion_multiple');
  });

  it('S-XSW-4 signed assertion moved inside an evil one (A and RA)', () => {
    refusedNeverAsAttacker(xsw4(signedA()), 'saml_assertion_multiple');
    refusedNeverAsAttacker(xsw4(signedRA()), 'saml_assertion_multiple');
  });

  it('S-XSW-5 original made evil in place, unsigned original copy appended (A and RA)', () => {
    refusedNeverAsAttacker(xsw5(signedA()), 'saml_assertion_multiple');
    refusedNeverAsAttacker(xsw5(signedRA()), 'saml_assertion_multiple');
  });

  it('S-XSW-6 as XSW-5 with the copy inside the original Signature (A and RA)', () => {
    refusedNeverAsAttacker(xsw6(signedA()), 'saml_assertion_multiple');
    refusedNeverAsAttacker(xsw6(signedRA()), 'saml_assertion_multiple');
  });

  it('S-XSW-7 evil clone with the same ID inside an un-namespaced Extensions (A and RA)', () => {
    refusedNeverAsAttacker(xsw7(signedA()), 'saml_id_duplicate');
    refusedNeverAsAttacker(xsw7(signedRA()), 'saml_id_duplicate');
  });

  it('S-XSW-8 original made evil in place, unsigned copy with the same ID in ds:Object (A and RA)', () => {
    refusedNeverAsAttacker(xsw8(signedA()), 'saml_id_duplicate');
    refusedNeverAsAttacker(xsw8(signedRA()), 'saml_id_duplicate');
  });
});

describe('S-WRAP further wrapping, injection and selection attacks (§1.3)', () => {
  it('S-WRAP-1 refuses an extra unsigned evil assertion appended after the signed one (CVE-2022-41912)', () => {
    const extra = buildAssertion({
      assertionId: '_a1_attack',
      nameIdXml: '<saml:NameID>admin@orga.test</saml:NameID>',
    });
    refusedNeverAsAttacker(signedA({ afterAssertion: extra }), 'saml_assertion_multiple');
  });

  it('S-WRAP-2 refuses a signed assertion hidden in Extensions and a forged one with the same ID and a copied signature', () => {
    const xml = mutate(signedA(), (doc) => {
      const genuine = assertionOf(doc);
      const forged = clone(genuine);
      makeEvil(forged);
      const extensions = doc.createElementNS(NS_PROTOCOL, 'samlp:Extensions');
      doc.documentElement!.insertBefore(extensions, genuine);
      extensions.appendChild(genuine);
      doc.documentElement!.appendChild(forged);
    });
    refusedNeverAsAttacker(xml, 'saml_id_duplicate');
  });

  it('S-WRAP-3 refuses a decoy signature repeating the genuine value with a forged assertion in its ds:Object', () => {
    const decoy = (xml: string) =>
      mutate(xml, (doc) => {
        const response = doc.documentElement!;
        const copy = clone(signatureOf(response));
        const object = doc.createElementNS(NS_DSIG, 'ds:Object');
        const forged = parse(
          buildAssertion({ assertionId: '_forged', nameIdXml: '<saml:NameID>admin@orga.test</saml:NameID>' }),
        );
        object.appendChild(doc.importNode(forged.documentElement!, true));
        copy.appendChild(object);
        response.appendChild(copy);
      });
    const errorStatus = `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"/></samlp:Status>`;
    const signedError = sign(buildResponse({ statusXml: errorStatus }, ''), 'Response');
    refusedNeverAsAttacker(decoy(signedError), 'saml_status_not_success', relaxed);
    const signedEmpty = sign(buildResponse({}, ''), 'Response');
    refusedNeverAsAttacker(decoy(signedEmpty), 'saml_assertion_misplaced', relaxed);
  });

  it('S-WRAP-4 refuses the CVE-2025-23369 layout (signed assertion in ds:Object of a cloned signature, ID suffixed ffff)', () => {
    const xml = mutate(signedA(), (doc) => {
      const genuine = assertionOf(doc);
      const evil = clone(genuine);
      makeEvil(evil);
      genuine.setAttribute('ID', '_a1ffff');
      const cloned = clone(signatureOf(genuine));
      const object = doc.createElementNS(NS_DSIG, 'ds:Object');
      cloned.appendChild(object);
      doc.documentElement!.replaceChild(evil, genuine);
      object.appendChild(genuine);
      doc.documentElement!.insertBefore(cloned, evil);
    });
    refusedNeverAsAttacker(xml, 'saml_assertion_multiple');
  });

  it('S-WRAP-5 refuses an assertion nested in Advice, signed outer assertion or not (one assertion per response)', () => {
    const advice = `<saml:Advice>${buildAssertion({ assertionId: '_advice', nameIdXml: '<saml:NameID>admin@orga.test</saml:NameID>' })}</saml:Advice>`;
    const withAdvice = (xml: string) => xml.replace('<saml:AuthnStatement', `${advice}<saml:AuthnStatement`);
    refusedNeverAsAttacker(sign(withAdvice(buildResponse()), 'Assertion'), 'saml_assertion_multiple');
    refusedNeverAsAttacker(withAdvice(signedA()), 'saml_assertion_multiple');
  });

  it('S-WRAP-5 accepts an Advice without assertions and never reads it', () => {
    const xml = sign(
      buildResponse().replace(
        '<saml:AuthnStatement',
        '<saml:Advice><saml:AssertionIDRef>_x</saml:AssertionIDRef></saml:Advice><saml:AuthnStatement',
      ),
      'Assertion',
    );
    expect(validate(xml).nameId).toBe(ALICE.nameId);
  });

  it('S-WRAP-6 refuses a doubled signed assertion and a concealed one', () => {
    const doubled = mutate(signedA(), (doc) => doc.documentElement!.appendChild(clone(assertionOf(doc))));
    refusedNeverAsAttacker(doubled, 'saml_id_duplicate');
    const concealed = mutate(signedA(), (doc) => {
      const status = one(doc, NS_PROTOCOL, 'Status');
      const detail = doc.createElementNS(NS_PROTOCOL, 'samlp:StatusDetail');
      detail.appendChild(assertionOf(doc));
      status.appendChild(detail);
      doc.documentElement!.appendChild(parse(buildAssertion({ assertionId: '_evil' })).documentElement!);
    });
    refusedNeverAsAttacker(concealed, 'saml_assertion_multiple');
  });

  it('S-WRAP-8 refuses an unsigned assertion riding beside a signed Response (signed content = consumed content)', () => {
    const rider = buildAssertion({
      assertionId: '_rider',
      nameIdXml: '<saml:NameID>admin@orga.test</saml:NameID>',
    });
    refusedNeverAsAttacker(
      signedR().replace('</samlp:Response>', `${rider}</samlp:Response>`),
      'saml_assertion_multiple',
      relaxed,
    );
  });

  it('S-WRAP-8 the assertion read is the one digested: an evil in-place edit of a signed assertion fails its digest', () => {
    const xml = mutate(signedRA(), (doc) => makeEvil(assertionOf(doc)));
    expectRefused(xml, 'saml_signature_invalid', { reason: 'digest_mismatch' });
  });

  it('S-WRAP-9 refuses a LogoutRequest (or anything but a Response) wrapping a signed assertion', () => {
    const assertion = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(signedA())![0];
    const logout = `<samlp:LogoutRequest xmlns:samlp="${NS_PROTOCOL}" xmlns:saml="${NS_ASSERTION}" ID="_l1" Version="2.0" IssueInstant="2025-06-02T10:00:00Z"><saml:Issuer>https://idp-a.test/</saml:Issuer><saml:NameID>victim@orga.test</saml:NameID><samlp:SessionIndex>_attacker</samlp:SessionIndex>${assertion}</samlp:LogoutRequest>`;
    expectRefused(logout, 'saml_not_a_response', { element: 'LogoutRequest' });
  });

  it('S-WRAP-10 refuses an element carrying the signed ID as Id, id or wsu:Id', () => {
    const wsu = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
    for (const attribute of ['Id="_a1"', 'id="_a1"', `xmlns:wsu="${wsu}" wsu:Id="_a1"`]) {
      const xml = signedA({
        beforeAssertion: `<samlp:Extensions><x xmlns="urn:evil" ${attribute}/></samlp:Extensions>`,
      });
      expectRefused(xml, 'saml_id_duplicate', { id: '_a1' });
    }
  });

  it('S-WRAP-11 refuses an ID with quotes (XPath injection into the reference lookup)', () => {
    const injected = `x' or '1'='1`;
    const viaUri = mutate(signedA(), (doc) => {
      const signature = signatureOf(assertionOf(doc));
      one(signature, NS_DSIG, 'Reference').setAttribute('URI', `#${injected}`);
      resign(signature);
    });
    expectRefused(viaUri, 'saml_signature_invalid', { reason: 'reference_uri' });
    const viaId = mutate(signedA(), (doc) => {
      assertionOf(doc).setAttribute('ID', injected);
      const signature = signatureOf(assertionOf(doc));
      one(signature, NS_DSIG, 'Reference').setAttribute('URI', `#${injected}`);
      resign(signature);
    });
    expectRefused(viaId, 'saml_assertion_invalid', { reason: 'id' });
  });

  it('S-SEM-24 refuses two assertions each validly signed by the IdP', () => {
    const second = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(
      signedA({ assertionId: '_a2', nameIdXml: '<saml:NameID>bob@orga.test</saml:NameID>' }),
    )![0];
    expectRefused(signedA({ afterAssertion: second }), 'saml_assertion_multiple', { count: 2 });
  });
});
