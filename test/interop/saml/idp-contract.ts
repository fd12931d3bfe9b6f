/**
 * What every harness IdP must do, checked against a test SP of our own and the independent
 * xmlsec1 binary. Each IdP's *.test.ts runs it, so the two IdPs run in parallel workers.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { completeSpInitiatedLogin, idpInitiatedLogin, LoginFailedError } from './browser.ts';
import {
  certBase64,
  DEFAULT_USERS,
  generateKeyPair,
  type IdpOptions,
  NAME_FORMATS,
  type RunningIdp,
} from './common.ts';
import { authnRequestRedirect, createTestSp, readResponse, xmlsecDecrypt, xmlsecVerify } from './test-sp.ts';

const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
const alice = { username: 'alice', password: 'alicepass' };

type Start = (options: IdpOptions) => Promise<RunningIdp>;

/**
 * Starts the IdP on first use and stops it after the describe block. Not in beforeAll: there a
 * missing package would mark the tests skipped, here each of them fails with the install hint.
 */
function lazyIdp(start: Start, options: () => IdpOptions): () => Promise<RunningIdp> {
  let running: Promise<RunningIdp> | undefined;
  afterAll(async () => (await running?.catch(() => undefined))?.stop());
  return () => {
    running ??= start(options());
    return running;
  };
}

export function idpContract(kind: RunningIdp['kind'], start: Start) {
  describe(`${kind} with defaults (both signed, basic names)`, () => {
    const sp = createTestSp();
    const running = lazyIdp(start, () => ({ sp }));

    test('serves its metadata on 127.0.0.1 with its signing certificate and SSO endpoint', async () => {
      const idp = await running();
      expect(idp.kind).toBe(kind);
      expect(new URL(idp.metadataUrl).hostname).toBe('127.0.0.1');
      expect(idp.metadataXml).toContain(`entityID="${idp.entityId}"`);
      const certs = [...idp.metadataXml.matchAll(/X509Certificate>([^<]+)</g)].map((m) =>
        m[1]?.replace(/\s/g, ''),
      );
      expect(certs).toContain(certBase64(idp.signingCertPem)); // pysaml2 wraps it in lines of 64
      expect(idp.metadataXml).toMatch(
        new RegExp(
          `Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"\\s+Location="${idp.ssoRedirectUrl}"`,
        ),
      );
      expect(await (await fetch(idp.metadataUrl)).text()).toContain(idp.entityId);
    });

    test('SP-initiated login: signed response to the request, with the user and attributes', async () => {
      const idp = await running();
      const request = authnRequestRedirect(sp, idp.ssoRedirectUrl, 'rs-sp-123');
      const post = await completeSpInitiatedLogin(request.url, alice);
      expect(post.acsUrl).toBe(sp.acsUrl);
      expect(post.relayState).toBe('rs-sp-123');
      expect(Buffer.from(post.samlResponse, 'base64').toString()).toBe(post.xml);

      const facts = readResponse(post.xml);
      expect(facts).toMatchObject({
        status: SUCCESS,
        destination: sp.acsUrl,
        inResponseTo: request.requestId,
        subjectInResponseTo: request.requestId,
        issuer: idp.entityId,
        audience: sp.entityId,
        nameId: 'alice@example.test',
        nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
        responseSigned: true,
        assertionSigned: true,
        encrypted: false,
      });
      const basic = NAME_FORMATS.basic;
      expect(facts.attributes).toMatchObject({
        email: { nameFormat: basic, values: ['alice@example.test'] },
        givenName: { nameFormat: basic, values: ['Alice'] },
        sn: { nameFormat: basic, values: ['Liddell'] },
        uid: { nameFormat: basic, values: ['alice'] },
        groups: { nameFormat: basic, values: ['engineering', 'sso-admins'] },
      });

      for (const element of ['Response', 'Assertion'] as const) {
        const verified = await xmlsecVerify(post.xml, idp.signingCertPem, element);
        expect(verified.ok, `${element}: ${verified.stderr}`).toBe(true);
        expect(verified.stderr).toMatch(/^OK$/m);
      }
      // the verifier is pinned: another key's certificate does not verify the same response
      const other = generateKeyPair('other.test');
      expect((await xmlsecVerify(post.xml, other.certPem, 'Assertion')).ok).toBe(false);
    });

    test('IdP-initiated login: unsolicited signed response, no InResponseTo', async () => {
      const idp = await running();
      const post = await idpInitiatedLogin(idp, sp, { username: 'bob', password: 'bobpass' }, 'rs-idp-456');
      expect(post.acsUrl).toBe(sp.acsUrl);
      expect(post.relayState).toBe('rs-idp-456');
      const facts = readResponse(post.xml);
      expect(facts).toMatchObject({
        status: SUCCESS,
        inResponseTo: null,
        subjectInResponseTo: null,
        audience: sp.entityId,
        nameId: 'bob@example.test',
      });
      expect(facts.attributes.groups?.values).toEqual(['sales']);
      const verified = await xmlsecVerify(post.xml, idp.signingCertPem, 'Assertion');
      expect(verified.ok, verified.stderr).toBe(true);
    });

    test('a wrong password produces no response', async () => {
      const idp = await running();
      const request = authnRequestRedirect(sp, idp.ssoRedirectUrl);
      await expect(
        completeSpInitiatedLogin(request.url, { username: 'alice', password: 'not-her-password' }),
      ).rejects.toThrow(LoginFailedError);
      await expect(
        idpInitiatedLogin(idp, sp, { username: 'mallory', password: 'alicepass' }),
      ).rejects.toThrow(LoginFailedError);
    });
  });

  describe(`${kind} with encrypted assertions, claim-URI names, only the assertion signed`, () => {
    const sp = createTestSp();
    const carol = {
      password: 'carol-pw',
      attributes: { email: ['carol@example.test'], displayName: ['Carol C'], groups: ['a', 'b', 'c'] },
    };
    const signingKey = generateKeyPair('given-idp.test');
    const running = lazyIdp(start, () => ({
      sp,
      users: { ...DEFAULT_USERS, carol },
      signingKey,
      sign: 'assertion',
      encryptAssertion: true,
      attributeNameFormat: 'uri',
    }));

    test('the assertion is encrypted to the SP and, decrypted, signed and named by claim URIs', async () => {
      const idp = await running();
      const request = authnRequestRedirect(sp, idp.ssoRedirectUrl);
      const post = await completeSpInitiatedLogin(request.url, { username: 'carol', password: 'carol-pw' });
      const outer = readResponse(post.xml);
      expect(outer).toMatchObject({
        encrypted: true,
        responseSigned: false,
        inResponseTo: request.requestId,
      });
      expect(post.xml).not.toContain('carol@example.test');
      expect(idp.signingCertPem).toBe(signingKey.certPem);

      const xml = await xmlsecDecrypt(post.xml, sp.keyPem);
      const facts = readResponse(xml);
      expect(facts).toMatchObject({
        assertionSigned: true,
        nameId: 'carol@example.test',
        audience: sp.entityId,
      });
      const uri = NAME_FORMATS.uri;
      expect(facts.attributes).toMatchObject({
        'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress': {
          nameFormat: uri,
          values: ['carol@example.test'],
        },
        'http://schemas.microsoft.com/identity/claims/displayname': { nameFormat: uri, values: ['Carol C'] },
        'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups': {
          nameFormat: uri,
          values: ['a', 'b', 'c'],
        },
      });
      expect(Object.keys(facts.attributes).every((name) => name.startsWith('http://schemas.'))).toBe(true);
      const verified = await xmlsecVerify(xml, idp.signingCertPem, 'Assertion');
      expect(verified.ok, verified.stderr).toBe(true);
    });

    test('setSp swaps the trusted SP without a restart', async () => {
      const idp = await running();
      const next = createTestSp();
      idp.setSp(next);
      const post = await idpInitiatedLogin(idp, next, alice);
      expect(post.acsUrl).toBe(next.acsUrl);
      expect(readResponse(await xmlsecDecrypt(post.xml, next.keyPem)).audience).toBe(next.entityId);
      // the old SP is unknown now: SimpleSAMLphp's error page, pysaml2's HTTP 400
      await expect(idpInitiatedLogin(idp, sp, alice)).rejects.toThrow(
        /Metadata not found|UnknownSystemEntity/,
      );
    });
  });

  describe(`${kind} with only the response signed`, () => {
    const sp = createTestSp();
    const running = lazyIdp(start, () => ({ sp, sign: 'response' }));

    test('signs the Response and leaves the Assertion unsigned', async () => {
      const idp = await running();
      const post = await completeSpInitiatedLogin(authnRequestRedirect(sp, idp.ssoRedirectUrl).url, alice);
      expect(readResponse(post.xml)).toMatchObject({ responseSigned: true, assertionSigned: false });
      expect((await xmlsecVerify(post.xml, idp.signingCertPem, 'Response')).ok).toBe(true);
    });
  });
}
