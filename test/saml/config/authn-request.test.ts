import { execFileSync } from 'node:child_process';
import { verify, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync, inflateSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AuthnRequestInput,
  authnRequestXml,
  buildPostBinding,
  buildRedirectUrl,
  SIG_ALG_RSA_SHA256,
} from '../../../src/saml/authn-request.ts';
import { generateSpKeyPair, type SpKeyPair } from '../../../src/saml/sp-keys.ts';
import { elements, NS, parseStrictly, samlSchemaErrors } from './fixtures.ts';

const code = (c: string) => expect.objectContaining({ code: c });
const ISSUE_INSTANT = Date.parse('2026-03-01T12:34:56.789Z');
const GOOGLE_SSO = 'https://accounts.google.com/o/saml2/idp?idpid=C02dfl1r1';

const base: AuthnRequestInput = {
  id: '_4f1c0a9e2b7d4c55a1b2c3d4e5f60718',
  issueInstant: ISSUE_INSTANT,
  spEntityId: 'https://sso.example.com/api/v1/auth/saml/acme/metadata/',
  acsUrl: 'https://sso.example.com/api/v1/auth/saml/acme/response/',
  idpSsoUrl: 'https://idp.example.com/sso/saml',
  relayState: '_4f1c0a9e2b7d4c55a1b2c3d4e5f60718',
};

/** The raw (still percent-encoded) query parameters, in order, as they appear in the URL. */
function rawParams(url: string): [string, string][] {
  return url
    .slice(url.indexOf('?') + 1)
    .split('&')
    .map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)] as [string, string]);
}

function inflatedRequest(url: string): string {
  const value = new URL(url).searchParams.get('SAMLRequest')!;
  return inflateRawSync(Buffer.from(value, 'base64')).toString('utf8');
}

describe('SAML Core 3.4.1 AuthnRequest', () => {
  it('carries ID, Version 2.0, IssueInstant, Destination, ACS URL, HTTP-POST ProtocolBinding and Issuer', () => {
    const doc = parseStrictly(authnRequestXml(base));
    const req = doc.documentElement!;
    expect([req.namespaceURI, req.localName]).toEqual([NS.samlp, 'AuthnRequest']);
    expect(req.getAttribute('ID')).toBe(base.id);
    expect(req.getAttribute('Version')).toBe('2.0');
    expect(req.getAttribute('IssueInstant')).toBe('2026-03-01T12:34:56.789Z');
    expect(req.getAttribute('Destination')).toBe(base.idpSsoUrl);
    expect(req.getAttribute('AssertionConsumerServiceURL')).toBe(base.acsUrl);
    expect(req.getAttribute('ProtocolBinding')).toBe('urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST');
    expect(req.hasAttribute('ForceAuthn')).toBe(false);
    const issuer = elements(doc, NS.saml, 'Issuer');
    expect(issuer.map((i) => i.textContent)).toEqual([base.spEntityId]);
    expect(elements(doc, NS.samlp, 'NameIDPolicy')).toHaveLength(0);
    expect(elements(doc, NS.ds, 'Signature')).toHaveLength(0);
  });

  it('adds ForceAuthn and a §3.4.1.1 NameIDPolicy (AllowCreate) only when asked', () => {
    const email = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
    const doc = parseStrictly(authnRequestXml({ ...base, forceAuthn: true, nameIdFormat: email }));
    expect(doc.documentElement!.getAttribute('ForceAuthn')).toBe('true');
    const policy = elements(doc, NS.samlp, 'NameIDPolicy');
    expect(policy.map((p) => [p.getAttribute('Format'), p.getAttribute('AllowCreate')])).toEqual([
      [email, 'true'],
    ]);
  });

  it('escapes URLs and the entity ID so that they read back unchanged', () => {
    const input = { ...base, acsUrl: 'https://sp.example/acs?a=1&b="2"', spEntityId: 'urn:sp:<acme>&co' };
    const doc = parseStrictly(authnRequestXml(input));
    expect(doc.documentElement!.getAttribute('AssertionConsumerServiceURL')).toBe(input.acsUrl);
    expect(elements(doc, NS.saml, 'Issuer')[0]!.textContent).toBe(input.spEntityId);
  });

  it('is valid against the OASIS protocol schema (libxml2)', () => {
    expect(samlSchemaErrors(authnRequestXml(base), 'protocol')).toEqual([]);
    const full = authnRequestXml({ ...base, forceAuthn: true, nameIdFormat: 'urn:x' });
    expect(samlSchemaErrors(full, 'protocol')).toEqual([]);
  });

  it('refuses an ID that is not an NCName with saml_request_id_invalid', () => {
    for (const id of ['', '1abc', 'a b', 'a:b', 'x'.repeat(300), 'é']) {
      expect(() => authnRequestXml({ ...base, id }), id).toThrow(code('saml_request_id_invalid'));
    }
  });

  it('refuses non-http(s), relative or fragment URLs with saml_url_invalid, and a bad entity ID', () => {
    for (const change of [
      { acsUrl: '/acs' },
      { acsUrl: 'javascript:alert(1)' },
      { idpSsoUrl: 'ftp://idp.example.com/sso' },
      { idpSsoUrl: 'https://idp.example.com/sso#x' },
    ]) {
      expect(() => authnRequestXml({ ...base, ...change })).toThrow(code('saml_url_invalid'));
    }
    expect(() => authnRequestXml({ ...base, spEntityId: '' })).toThrow(code('saml_entity_id_invalid'));
  });
});

describe('SAML Bindings 3.4.4.1 HTTP-Redirect DEFLATE encoding', () => {
  it('sends SAMLRequest as raw DEFLATE + base64 that inflates to the AuthnRequest', () => {
    const url = buildRedirectUrl(base);
    expect(url.startsWith(`${base.idpSsoUrl}?SAMLRequest=`)).toBe(true);
    expect(inflatedRequest(url)).toBe(authnRequestXml(base));
    // Raw DEFLATE (RFC 1951), not the zlib wrapper.
    const value = Buffer.from(new URL(url).searchParams.get('SAMLRequest')!, 'base64');
    expect(() => inflateSync(value)).toThrow();
  });

  it('sends RelayState (§3.4.3) after SAMLRequest, and no RelayState when none or empty is given', () => {
    const url = buildRedirectUrl({ ...base, relayState: 'a b/c+d' });
    expect(rawParams(url).map(([k]) => k)).toEqual(['SAMLRequest', 'RelayState']);
    expect(new URL(url).searchParams.get('RelayState')).toBe('a b/c+d');
    expect(rawParams(buildRedirectUrl({ ...base, relayState: undefined })).map(([k]) => k)).toEqual([
      'SAMLRequest',
    ]);
    expect(rawParams(buildRedirectUrl({ ...base, relayState: '' })).map(([k]) => k)).toEqual(['SAMLRequest']);
  });

  it("keeps the SSO URL's own query parameters (Google's ?idpid=) and puts ours after them", () => {
    const url = buildRedirectUrl({ ...base, idpSsoUrl: GOOGLE_SSO });
    expect(url.startsWith(`${GOOGLE_SSO}&SAMLRequest=`)).toBe(true);
    expect(new URL(url).searchParams.get('idpid')).toBe('C02dfl1r1');
    expect(parseStrictly(inflatedRequest(url)).documentElement!.getAttribute('Destination')).toBe(GOOGLE_SSO);
    expect(buildRedirectUrl({ ...base, idpSsoUrl: 'https://idp.example.com/sso?' })).toMatch(
      /\/sso\?SAMLRequest=/,
    );
  });

  it('refuses a RelayState over 80 bytes (§3.4.3) with saml_relay_state_too_long, counting UTF-8 bytes', () => {
    expect(() => buildRedirectUrl({ ...base, relayState: 'x'.repeat(81) })).toThrow(
      code('saml_relay_state_too_long'),
    );
    expect(() => buildRedirectUrl({ ...base, relayState: 'é'.repeat(41) })).toThrow(
      code('saml_relay_state_too_long'),
    );
    expect(buildRedirectUrl({ ...base, relayState: 'x'.repeat(80) })).toContain('RelayState=');
  });
});

describe('SAML Bindings 3.4.4.1 signed HTTP-Redirect (SigAlg, Signature)', () => {
  let key: SpKeyPair;
  let cert: X509Certificate;
  beforeAll(async () => {
    key = await generateSpKeyPair('sso.example.com SAML signing');
    cert = new X509Certificate(key.certificatePem);
  });

  /** Checks the Signature over `SAMLRequest=…&RelayState=…&SigAlg=…` exactly as it appears in the URL. */
  function signatureVerifies(url: string): boolean {
    const params = rawParams(url);
    const signed = params
      .filter(([k]) => k === 'SAMLRequest' || k === 'RelayState' || k === 'SigAlg')
      .map(([k, v]) => `${k}=${v}`)
      .join('&');
    const signature = Buffer.from(decodeURIComponent(params.find(([k]) => k === 'Signature')![1]), 'base64');
    return verify('sha256', Buffer.from(signed), cert.publicKey, signature);
  }

  it('appends SigAlg rsa-sha256 and a Signature that verifies with the SP certificate', () => {
    const url = buildRedirectUrl({ ...base, idpSsoUrl: GOOGLE_SSO, signingKeyPem: key.privateKeyPem });
    expect(rawParams(url).map(([k]) => k)).toEqual([
      'idpid',
      'SAMLRequest',
      'RelayState',
      'SigAlg',
      'Signature',
    ]);
    expect(new URL(url).searchParams.get('SigAlg')).toBe(SIG_ALG_RSA_SHA256);
    expect(signatureVerifies(url)).toBe(true);
    // The inflated request carries no XML signature (§3.4.4.1: it must be removed).
    expect(inflatedRequest(url)).not.toContain('Signature');
  });

  it('signs SAMLRequest and SigAlg alone when there is no RelayState', () => {
    const url = buildRedirectUrl({ ...base, relayState: undefined, signingKeyPem: key.privateKeyPem });
    expect(rawParams(url).map(([k]) => k)).toEqual(['SAMLRequest', 'SigAlg', 'Signature']);
    expect(signatureVerifies(url)).toBe(true);
  });

  it('produces a signature that fails once RelayState or SAMLRequest is changed', () => {
    const url = buildRedirectUrl({ ...base, signingKeyPem: key.privateKeyPem });
    expect(signatureVerifies(url.replace(/RelayState=[^&]+/, 'RelayState=other'))).toBe(false);
    const other = buildRedirectUrl({ ...base, id: '_other' })
      .split('?')[1]!
      .split('&')[0]!;
    expect(signatureVerifies(url.replace(/SAMLRequest=[^&]+/, other))).toBe(false);
  });

  it('encodes with lowercase hex when asked (AD FS) and signs exactly those bytes', () => {
    const url = buildRedirectUrl({
      ...base,
      relayState: 'a/b',
      signingKeyPem: key.privateKeyPem,
      lowercasePercentEncoding: true,
    });
    expect(url).toContain('SigAlg=http%3a%2f%2fwww.w3.org%2f2001%2f04%2fxmldsig-more%23rsa-sha256');
    expect(url).not.toMatch(/%[0-9A-F]?[A-F]/);
    expect(signatureVerifies(url)).toBe(true);
  });

  it('refuses an unusable signing key with saml_key_invalid', () => {
    expect(() => buildRedirectUrl({ ...base, signingKeyPem: 'garbage' })).toThrow(code('saml_key_invalid'));
  });
});

describe('SAML Bindings 3.5.4 HTTP-POST AuthnRequest (for POST-only IdPs)', () => {
  let key: SpKeyPair;
  beforeAll(async () => {
    key = await generateSpKeyPair('sso.example.com SAML signing');
  });

  it('posts the base64 AuthnRequest and RelayState to the SSO URL', () => {
    const post = buildPostBinding({ ...base, idpSsoUrl: GOOGLE_SSO });
    expect(post.url).toBe(GOOGLE_SSO);
    expect(post.fields.RelayState).toBe(base.relayState);
    expect(Buffer.from(post.fields.SAMLRequest, 'base64').toString()).toBe(
      authnRequestXml({ ...base, idpSsoUrl: GOOGLE_SSO }),
    );
  });

  it('signs with an enveloped rsa-sha256 signature after Issuer that xmlsec1 verifies and the schema accepts', () => {
    const xml = Buffer.from(
      buildPostBinding({ ...base, signingKeyPem: key.privateKeyPem }).fields.SAMLRequest,
      'base64',
    ).toString();
    const doc = parseStrictly(xml);
    const children = Array.from(doc.documentElement!.childNodes).map((n) => n.nodeName);
    expect(children).toEqual(['saml:Issuer', 'ds:Signature']);
    expect(elements(doc, NS.ds, 'Reference')[0]!.getAttribute('URI')).toBe(`#${base.id}`);
    expect(samlSchemaErrors(xml, 'protocol')).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), 'authn-'));
    try {
      writeFileSync(join(dir, 'req.xml'), xml);
      writeFileSync(join(dir, 'sp.crt'), key.certificatePem);
      const idAttr = 'urn:oasis:names:tc:SAML:2.0:protocol:AuthnRequest';
      const args = [
        '--verify',
        '--insecure',
        '--pubkey-cert-pem',
        join(dir, 'sp.crt'),
        '--id-attr:ID',
        idAttr,
      ];
      expect(() => execFileSync('xmlsec1', [...args, join(dir, 'req.xml')], { stdio: 'pipe' })).not.toThrow();
      writeFileSync(join(dir, 'tampered.xml'), xml.replace(base.acsUrl, 'https://evil.example/acs'));
      expect(() =>
        execFileSync('xmlsec1', [...args, join(dir, 'tampered.xml')], { stdio: 'pipe' }),
      ).toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
