import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type IdpMetadata, listIdpEntities, parseIdpMetadata } from '../../../src/saml/idp-metadata.ts';
import { metadataFixture, metadataFixtureNames } from './fixtures.ts';

const EMAIL = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
const UNSPECIFIED = 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified';
const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
const TRANSIENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';

const commonNames = (pems: string[]) =>
  pems.map((pem) => /CN=([^\n]+)/.exec(new X509Certificate(pem).subject)?.[1] ?? '(none)');

interface Expected {
  entityId: string;
  ssoUrls: IdpMetadata['ssoUrls'];
  signing: number;
  encryption: number;
  nameIdFormats: string[];
  validUntil?: number | null;
  pick?: string;
}

// One row per real metadata file; the test below fails when a fixture is added without a row.
const EXPECTED: Record<string, Expected> = {
  'entra-common-federationmetadata-signed.xml': {
    // The literal {tenantid} placeholder is the entity ID Entra's common endpoint publishes.
    entityId: 'https://sts.windows.net/{tenantid}/',
    ssoUrls: {
      redirect: 'https://login.microsoftonline.com/common/saml2',
      post: 'https://login.microsoftonline.com/common/saml2',
    },
    signing: 3,
    encryption: 0,
    nameIdFormats: [],
  },
  'adfs-v2-msidlab7-signed.xml': {
    entityId: 'http://fs.msidlab7.com/adfs/services/trust',
    ssoUrls: { redirect: 'https://fs.msidlab7.com/adfs/ls/', post: 'https://fs.msidlab7.com/adfs/ls/' },
    signing: 1,
    encryption: 1,
    nameIdFormats: [EMAIL, PERSISTENT, TRANSIENT],
  },
  'adfs-2016-msidlab11.xml': {
    entityId: 'http://fs.msidlab11.com/adfs/services/trust',
    ssoUrls: { redirect: 'https://fs.msidlab11.com/adfs/ls/', post: 'https://fs.msidlab11.com/adfs/ls/' },
    signing: 1,
    encryption: 1,
    nameIdFormats: [EMAIL, PERSISTENT, TRANSIENT],
  },
  'adfs-signed-roledescriptors.xml': {
    entityId: 'http://adfs.server.url/adfs/services/trust',
    ssoUrls: { redirect: 'https://adfs.server.url/adfs/ls/', post: 'https://adfs.server.url/adfs/ls/' },
    signing: 1,
    encryption: 1,
    nameIdFormats: [EMAIL, PERSISTENT, TRANSIENT],
  },
  'okta-exkppsa1qwuFV4D7z0h7.xml': {
    entityId: 'http://www.okta.com/exkppsa1qwuFV4D7z0h7',
    ssoUrls: {
      redirect:
        'https://dev-513394.oktapreview.com/app/rstudioincdev513394_dev_1/exkppsa1qwuFV4D7z0h7/sso/saml',
      post: 'https://dev-513394.oktapreview.com/app/rstudioincdev513394_dev_1/exkppsa1qwuFV4D7z0h7/sso/saml',
    },
    signing: 1,
    encryption: 0,
    // Okta puts each format on its own line: the surrounding whitespace is not part of it.
    nameIdFormats: [UNSPECIFIED, EMAIL],
  },
  'onelogin-383123.xml': {
    entityId: 'https://app.onelogin.com/saml/metadata/383123',
    ssoUrls: {
      redirect: 'https://app.onelogin.com/trust/saml2/http-post/sso/383123',
      post: 'https://app.onelogin.com/trust/saml2/http-post/sso/383123',
    },
    signing: 1,
    encryption: 0,
    nameIdFormats: [EMAIL],
  },
  'onelogin-503983.xml': {
    entityId: 'https://app.onelogin.com/saml/metadata/503983',
    ssoUrls: { post: 'https://app.onelogin.com/trust/saml2/http-post/sso/503983' },
    signing: 1,
    encryption: 0,
    nameIdFormats: [EMAIL],
  },
  'google-workspace-post-only.xml': {
    entityId: 'https://accounts.google.com/o/saml2?idpid=C02dfl1r1',
    ssoUrls: { post: 'https://accounts.google.com/o/saml2/idp?idpid=C02dfl1r1' },
    signing: 1,
    encryption: 0,
    nameIdFormats: [EMAIL],
    validUntil: Date.parse('2021-01-03T16:17:49.000Z'),
  },
  'auth0-dev-tyj7qyzz.xml': {
    entityId: 'urn:dev-tyj7qyzz.auth0.com',
    ssoUrls: {
      redirect: 'https://dev-tyj7qyzz.auth0.com/samlp/AX3jRN4ECnojiEepVjvM7yVCEcpVX6w6',
      post: 'https://dev-tyj7qyzz.auth0.com/samlp/AX3jRN4ECnojiEepVjvM7yVCEcpVX6w6',
    },
    signing: 1,
    encryption: 0,
    nameIdFormats: [EMAIL, PERSISTENT, TRANSIENT],
  },
  'shibboleth-samltest-id-two-signing-certs.xml': {
    entityId: 'https://samltest.id/saml/idp',
    ssoUrls: {
      redirect: 'https://samltest.id/idp/profile/SAML2/Redirect/SSO',
      post: 'https://samltest.id/idp/profile/SAML2/POST/SSO',
    },
    signing: 2,
    encryption: 1,
    nameIdFormats: [],
    validUntil: Date.parse('2100-01-01T00:00:42Z'),
  },
  'shibboleth-testshib-entities.xml': {
    entityId: 'https://idp.testshib.org/idp/shibboleth',
    ssoUrls: {
      redirect: 'https://idp.testshib.org/idp/profile/SAML2/Redirect/SSO',
      post: 'https://idp.testshib.org/idp/profile/SAML2/POST/SSO',
    },
    signing: 1,
    encryption: 1,
    nameIdFormats: ['urn:mace:shibboleth:1.0:nameIdentifier', TRANSIENT],
  },
  'swamid-test-federation-aggregate.xml': {
    entityId: 'https://idp.umu.se/saml2/idp/metadata.php',
    ssoUrls: { redirect: 'https://idp.umu.se/saml2/idp/SSOService.php' },
    signing: 1,
    encryption: 1,
    nameIdFormats: [TRANSIENT],
    pick: 'https://idp.umu.se/saml2/idp/metadata.php',
  },
  'simplesamlphp-entities.xml': {
    entityId: 'http://xenosmilus.umdc.umu.se/simplesaml/saml2/idp/metadata.php',
    ssoUrls: { redirect: 'http://xenosmilus.umdc.umu.se/simplesaml/saml2/idp/metadata.php' },
    signing: 1,
    encryption: 1,
    nameIdFormats: [TRANSIENT],
  },
  'secureworks-rsakeyvalue-post-only.xml': {
    entityId: 'https://idp.secureworks.com/SAML2',
    ssoUrls: { post: 'https://idp.secureworks.com/SAML2/SSO/POST' },
    signing: 1,
    encryption: 0,
    nameIdFormats: [TRANSIENT],
  },
};

describe('SAML Metadata 2.0 §2.3–2.4: every real IdP export parses', () => {
  it('has an expectation for every fixture file', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(metadataFixtureNames());
  });

  for (const [file, want] of Object.entries(EXPECTED)) {
    it(`reads ${file}`, () => {
      const m = parseIdpMetadata(metadataFixture(file), want.pick ? { entityId: want.pick } : {});
      expect(m.entityId).toBe(want.entityId);
      expect(m.ssoUrls).toEqual(want.ssoUrls);
      expect(m.signingCertificates).toHaveLength(want.signing);
      expect(m.encryptionCertificates).toHaveLength(want.encryption);
      expect(m.nameIdFormats).toEqual(want.nameIdFormats);
      expect(m.validUntil).toBe(want.validUntil ?? null);
      expect(m.wantAuthnRequestsSigned).toBe(false);
      for (const pem of [...m.signingCertificates, ...m.encryptionCertificates]) {
        expect(pem).toMatch(
          /^-----BEGIN CERTIFICATE-----\n([A-Za-z0-9+/=]{1,64}\n)+-----END CERTIFICATE-----\n$/,
        );
        expect(() => new X509Certificate(pem)).not.toThrow();
      }
    });
  }
});

describe('SAML Metadata 2.0 §2.4.1.1 KeyDescriptor', () => {
  it('keeps all three Entra signing certificates (rollover), the login.microsoftonline.us one included', () => {
    const m = parseIdpMetadata(metadataFixture('entra-common-federationmetadata-signed.xml'));
    expect(commonNames(m.signingCertificates)).toEqual([
      'accounts.accesscontrol.windows.net',
      'accounts.accesscontrol.windows.net',
      'login.microsoftonline.us',
    ]);
    expect(new Set(m.signingCertificates).size).toBe(3);
  });

  it('reads only the IDPSSODescriptor of an AD FS entity that also has RoleDescriptors and an SPSSODescriptor', () => {
    const m = parseIdpMetadata(metadataFixture('adfs-v2-msidlab7-signed.xml'));
    expect(commonNames(m.signingCertificates)).toEqual(['ADFS Signing - fs.msidlab7.com']);
    expect(commonNames(m.encryptionCertificates)).toEqual(['ADFS Encryption - fs.msidlab7.com']);
  });

  it('keeps both Shibboleth signing certificates and its separate encryption certificate', () => {
    const m = parseIdpMetadata(metadataFixture('shibboleth-samltest-id-two-signing-certs.xml'));
    expect(commonNames(m.signingCertificates)).toEqual(['samltest.id', 'samltest.id']);
    expect(new Set(m.signingCertificates).size).toBe(2);
    expect(m.signingCertificates).not.toContain(m.encryptionCertificates[0]);
  });

  it('uses a KeyDescriptor without use for signing and encryption, from a certificate indented over many lines', () => {
    const m = parseIdpMetadata(metadataFixture('simplesamlphp-entities.xml'));
    expect(m.signingCertificates).toEqual(m.encryptionCertificates);
    expect(commonNames(m.signingCertificates)).toEqual(['(none)']);
    expect(new X509Certificate(m.signingCertificates[0]!).subject).toContain('O=Internet Widgits Pty Ltd');
  });

  it('deduplicates a certificate listed twice, however its base64 is wrapped', () => {
    const xml = metadataFixture('okta-exkppsa1qwuFV4D7z0h7.xml');
    const kd = /<md:KeyDescriptor[\s\S]*?<\/md:KeyDescriptor>/.exec(xml)![0];
    const rewrapped = kd.replace(/<ds:X509Certificate>([^<]+)</, (_, b: string) => {
      const body = b.replace(/\s+/g, '');
      return `<ds:X509Certificate>\n  ${body.match(/.{1,76}/g)!.join('\n  ')}\n<`;
    });
    const m = parseIdpMetadata(xml.replace(kd, `${kd}${rewrapped}`));
    expect(m.signingCertificates).toHaveLength(1);
  });
});

describe('SAML Metadata 2.0 §2.4.3 IDPSSODescriptor SingleSignOnService', () => {
  it('ignores the SOAP binding (OneLogin) and keeps the first of duplicate POST endpoints (Google)', () => {
    expect(parseIdpMetadata(metadataFixture('onelogin-383123.xml')).ssoUrls).not.toHaveProperty('soap');
    const google = parseIdpMetadata(metadataFixture('google-workspace-post-only.xml'));
    expect(google.ssoUrls).toEqual({ post: 'https://accounts.google.com/o/saml2/idp?idpid=C02dfl1r1' });
  });

  it('ignores Shibboleth 1.0 AuthnRequest, POST-SimpleSign and SOAP endpoints', () => {
    const m = parseIdpMetadata(metadataFixture('shibboleth-samltest-id-two-signing-certs.xml'));
    expect(Object.keys(m.ssoUrls).sort()).toEqual(['post', 'redirect']);
  });

  it('reads WantAuthnRequestsSigned as xs:boolean (true and 1)', () => {
    const xml = metadataFixture('okta-exkppsa1qwuFV4D7z0h7.xml');
    expect(xml).toContain('WantAuthnRequestsSigned="false"');
    for (const v of ['true', '1', ' true ']) {
      const m = parseIdpMetadata(
        xml.replace('WantAuthnRequestsSigned="false"', `WantAuthnRequestsSigned="${v}"`),
      );
      expect(m.wantAuthnRequestsSigned).toBe(true);
    }
  });
});

describe('SAML Metadata 2.0 §2.3.1 EntitiesDescriptor', () => {
  it('picks the only IdP of an aggregate that also holds an SP (TestShib)', () => {
    const m = parseIdpMetadata(metadataFixture('shibboleth-testshib-entities.xml'));
    expect(m.entityId).toBe('https://idp.testshib.org/idp/shibboleth');
  });

  it('lists the ten IdPs of the SWAMID aggregate, one of them SAML 2.0', () => {
    const idps = listIdpEntities(metadataFixture('swamid-test-federation-aggregate.xml'));
    expect(idps).toHaveLength(10);
    expect(idps.filter((i) => i.saml2).map((i) => i.entityId)).toEqual([
      'https://idp.umu.se/saml2/idp/metadata.php',
    ]);
  });

  it('applies the validUntil of an enclosing EntitiesDescriptor when it is the earliest', () => {
    const inner = metadataFixture('okta-exkppsa1qwuFV4D7z0h7.xml').replace(/^<\?xml[^>]*\?>\s*/, '');
    const xml =
      '<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" validUntil="2030-05-01T00:00:00Z">' +
      `${inner}</md:EntitiesDescriptor>`;
    expect(parseIdpMetadata(xml).validUntil).toBe(Date.parse('2030-05-01T00:00:00Z'));
  });
});

describe('SAML Metadata 2.0 §2.3.2 validUntil', () => {
  const google = metadataFixture('google-workspace-post-only.xml');

  it('by default returns a past validUntil without refusing (real exports carry stale values)', () => {
    expect(parseIdpMetadata(google, { now: Date.parse('2026-01-01T00:00:00Z') }).validUntil).toBe(
      Date.parse('2021-01-03T16:17:49.000Z'),
    );
  });

  it('refuses expired metadata with saml_metadata_expired when enforceValidUntil is set', () => {
    const now = Date.parse('2021-01-03T16:17:49.000Z');
    expect(() => parseIdpMetadata(google, { enforceValidUntil: true, now })).toThrow(
      expect.objectContaining({ code: 'saml_metadata_expired' }),
    );
    expect(parseIdpMetadata(google, { enforceValidUntil: true, now: now - 1 }).entityId).toContain('google');
  });
});
