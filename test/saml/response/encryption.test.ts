/**
 * Encrypted assertions (attacks.md §1.11; SAML Core 2.3.4, XML Encryption 1.1): accepted with the
 * SP's current or previous key, RSA-OAEP key transport, AES-CBC or AES-GCM content; then held to
 * every rule a plain assertion is (signature inside the encryption, audience, times...).
 */
import { describe, expect, it } from 'vitest';
import {
  assertionOf,
  buildAssertion,
  buildResponse,
  mutate,
  NS_ASSERTION,
  one,
  parse,
  serialize,
  setText,
  sign,
  signedA,
} from './support/builder.ts';
import { ENC, encryptAssertionIn, encryptXml, wrapEncrypted } from './support/encrypt.ts';
import { ALICE, expectRefused, settingsA, validate } from './support/expect.ts';
import { IDP_B_KEY, SP_PREVIOUS_KEY } from './support/keys.ts';

const NS_XENC = 'http://www.w3.org/2001/04/xmlenc#';
const relaxed = settingsA({ requireSignedAssertion: false });
/** A signed assertion, encrypted, in an unsigned Response (the common IdP layout). */
const encryptedA = (
  o?: Parameters<typeof encryptAssertionIn>[1],
  parts: Parameters<typeof signedA>[0] = {},
) => encryptAssertionIn(signedA(parts), o);
/** ...and the Response signed over the EncryptedAssertion. */
const encryptedRA = async (
  o?: Parameters<typeof encryptAssertionIn>[1],
  parts: Parameters<typeof signedA>[0] = {},
) => sign(await encryptedA(o, parts), 'Response');

describe('XML Encryption of the assertion (SAML Core 2.3.4)', () => {
  for (const content of [ENC.aes128gcm, ENC.aes256gcm, ENC.aes128cbc, ENC.aes256cbc]) {
    it(`accepts RSA-OAEP-MGF1P key transport with ${content.split('#')[1]} content`, async () => {
      expect(validate(await encryptedA({ content }))).toEqual({ ...ALICE, encrypted: true });
    });
  }

  it('accepts XML Encryption 1.1 RSA-OAEP with a SHA-256 OAEP digest', async () => {
    expect(validate(await encryptedA({ keyTransport: ENC.rsaOaep11, oaepDigest: 'sha256' })).nameId).toBe(
      ALICE.nameId,
    );
  });

  it('decrypts with the previous SP key during a key rotation', async () => {
    expect(validate(await encryptedA({ to: SP_PREVIOUS_KEY })).encrypted).toBe(true);
  });

  it('accepts a Response signed over the EncryptedAssertion (verified before any decryption)', async () => {
    expect(validate(await encryptedRA())).toEqual({ ...ALICE, encrypted: true });
  });

  it('refuses an assertion encrypted for a key the SP does not hold, and any encrypted one without SP keys', async () => {
    expectRefused(await encryptedA({ to: IDP_B_KEY }), 'saml_decryption_failed', { reason: 'decrypt' });
    expectRefused(
      await encryptedA(),
      'saml_decryption_failed',
      { reason: 'no_key' },
      settingsA({ decryptionKeys: [] }),
    );
  });
});

describe('S-ENC encrypted-assertion attacks (§1.11)', () => {
  it('S-ENC-1 refuses an unsigned assertion encrypted inside an unsigned Response (encryption is not authentication)', async () => {
    const xml = await encryptAssertionIn(buildResponse());
    expectRefused(xml, 'saml_decryption_failed', { reason: 'masked', cause: 'saml_signature_missing' });
  });

  it('S-ENC-2 refuses an unsigned encrypted assertion in a signed Response by default, accepts it when the policy allows', async () => {
    const xml = sign(await encryptAssertionIn(buildResponse()), 'Response');
    expectRefused(xml, 'saml_assertion_unsigned');
    expect(validate(xml, relaxed)).toEqual({ ...ALICE, encrypted: true });
  });

  it('S-ENC-3 refuses an attacker EncryptedAssertion swapped into a signed Response (verified before decrypting)', async () => {
    const signed = sign(buildResponse(), 'Response');
    const evil = await encryptXml(
      buildAssertion({ nameIdXml: '<saml:NameID>admin@orga.test</saml:NameID>' }),
    );
    expectRefused(
      wrapEncrypted(signed, evil),
      'saml_signature_invalid',
      { reason: 'digest_mismatch' },
      relaxed,
    );
  });

  it('S-ENC-3 refuses an EncryptedAssertion beside a signed plain assertion', async () => {
    const encrypted = await encryptedA();
    const plain = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(signedA({ assertionId: '_a2' }))![0];
    expectRefused(
      encrypted.replace('</samlp:Response>', `${plain}</samlp:Response>`),
      'saml_assertion_multiple',
    );
  });

  it('S-ENC-4 refuses an EncryptedAssertion decrypting to two assertions, or to one holding another', async () => {
    const two = buildAssertion() + buildAssertion({ assertionId: '_a2' });
    const twoRoots = sign(wrapEncrypted(buildResponse(), await encryptXml(two)), 'Response');
    expectRefused(twoRoots, 'saml_decryption_failed', { reason: 'plaintext' }, relaxed);
    const nested = buildAssertion().replace(
      '<saml:AuthnStatement',
      `<saml:Advice>${buildAssertion({ assertionId: '_a2' })}</saml:Advice><saml:AuthnStatement`,
    );
    const withAdvice = sign(wrapEncrypted(buildResponse(), await encryptXml(nested)), 'Response');
    expectRefused(withAdvice, 'saml_assertion_multiple', { count: 2 }, relaxed);
  });

  it('S-ENC-5 refuses RSA PKCS#1 v1.5 key transport and 3DES content before any private-key operation', async () => {
    expectRefused(await encryptedA({ keyTransport: ENC.rsa15 }), 'saml_encryption_algorithm_forbidden', {
      algorithm: ENC.rsa15,
    });
    expectRefused(await encryptedA({ content: ENC.tripleDes }), 'saml_encryption_algorithm_forbidden', {
      algorithm: ENC.tripleDes,
    });
  });

  it('S-ENC-5 answers one code for a tampered CBC ciphertext and for a well-formed but unauthenticated plaintext (no oracle)', async () => {
    const genuine = await encryptedA({ content: ENC.aes128cbc });
    const tampered = mutate(genuine, (doc) => {
      const values = doc.getElementsByTagNameNS(NS_XENC, 'CipherValue');
      const data = values.item(values.length - 1)!;
      const bytes = Buffer.from(data.textContent!.replace(/\s/g, ''), 'base64');
      bytes[bytes.length - 20]! ^= 0x01;
      setText(data, bytes.toString('base64'));
    });
    const unauthenticated = await encryptAssertionIn(buildResponse(), { content: ENC.aes128cbc });
    const codes = [tampered, unauthenticated].map((xml) => expectRefused(xml, 'saml_decryption_failed'));
    expect(codes.map((e) => e.message)).toEqual([codes[0]!.message, codes[0]!.message]);
  });

  it('S-ENC-6 resolves a RetrievalMethod to a sibling EncryptedKey inside the EncryptedAssertion only', async () => {
    const encryptedData = await encryptXml(serialize(assertionOf(parse(signedA()))));
    const doc = parse(`<w xmlns:ds="http://www.w3.org/2000/09/xmldsig#">${encryptedData}</w>`);
    const key = one(doc, NS_XENC, 'EncryptedKey');
    const keyInfo = key.parentNode as typeof key;
    keyInfo.removeChild(key);
    key.setAttribute('Id', '_ek1');
    const retrieval = doc.createElementNS('http://www.w3.org/2000/09/xmldsig#', 'ds:RetrievalMethod');
    retrieval.setAttribute('URI', '#_ek1');
    retrieval.setAttribute('Type', 'http://www.w3.org/2001/04/xmlenc#EncryptedKey');
    keyInfo.appendChild(retrieval);
    const data = serialize(one(doc, NS_XENC, 'EncryptedData'));
    const sibling = wrapEncrypted(buildResponse(), data, serialize(key));
    expect(validate(sibling).nameId).toBe(ALICE.nameId);
    // The same key placed outside the EncryptedAssertion is never looked up.
    const outside = wrapEncrypted(
      buildResponse({ beforeAssertion: `<samlp:Extensions>${serialize(key)}</samlp:Extensions>` }),
      data,
    );
    expectRefused(outside, 'saml_decryption_failed', { reason: 'no_encrypted_key' });
  });

  it('S-ENC-7 refuses an EncryptedData without EncryptionMethod, and an EncryptedAssertion without any key', async () => {
    const noMethod = mutate(await encryptedA(), (doc) => {
      const data = one(doc, NS_XENC, 'EncryptedData');
      const method = Array.from(data.childNodes).find(
        (n) => (n as { localName?: string }).localName === 'EncryptionMethod',
      )!;
      data.removeChild(method);
    });
    expectRefused(noMethod, 'saml_decryption_failed', { reason: 'encryption_method' });
    const noKey = mutate(await encryptedA(), (doc) => {
      const key = one(doc, 'http://www.w3.org/2000/09/xmldsig#', 'KeyInfo');
      key.parentNode!.removeChild(key);
    });
    expectRefused(noKey, 'saml_decryption_failed', { reason: 'no_encrypted_key' });
  });

  it('S-ENC-8 refuses a plain signed assertion when the configuration wants encrypted ones', async () => {
    const wants = settingsA({ wantAssertionsEncrypted: true });
    expectRefused(signedA(), 'saml_encryption_required', undefined, wants);
    expect(validate(await encryptedA(), wants).encrypted).toBe(true);
  });

  it('S-ENC-9 runs every assertion check on the decrypted assertion (wrong audience)', async () => {
    const parts = { audiences: ['https://other-sp.test'] };
    expectRefused(await encryptedRA(undefined, parts), 'saml_audience_mismatch', {
      got: ['https://other-sp.test'],
    });
    // Without a Response signature the reason is only in the detail (uniform code, S-ENC-5).
    expectRefused(await encryptedA(undefined, parts), 'saml_decryption_failed', {
      reason: 'masked',
      cause: 'saml_audience_mismatch',
    });
  });

  it('S-ENC-9 checks the signature inside the encryption: an edited assertion is refused', async () => {
    const edited = mutate(signedA(), (doc) => setText(one(doc, NS_ASSERTION, 'NameID'), 'admin@orga.test'));
    expectRefused(sign(await encryptAssertionIn(edited), 'Response'), 'saml_signature_invalid', {
      reason: 'digest_mismatch',
    });
  });

  it('refuses a decrypted assertion whose ID repeats an ID of the carrying Response', async () => {
    const encrypted = (await encryptedA()).replace('ID="_r1"', 'ID="_a1"');
    expectRefused(sign(encrypted, 'Response'), 'saml_id_duplicate', { id: '_a1' });
  });

  it('refuses encrypted content that is not an assertion', async () => {
    const notAssertion = sign(wrapEncrypted(buildResponse(), await encryptXml('<x/>')), 'Response');
    expectRefused(notAssertion, 'saml_decryption_failed', { reason: 'not_assertion' }, relaxed);
  });
});
