/** A test IdP's identity: a key pair, its certificate, and its metadata document. */
import { certificateBody, generateSpKeyPair, type SpKeyPair } from '../../../src/saml/sp-keys.ts';

export interface TestIdp {
  entityId: string;
  ssoUrl: string;
  keys: SpKeyPair;
  metadataXml: string;
}

export async function createTestIdp(
  entityId = 'https://idp.acme.test/saml',
  ssoUrl = 'https://idp.acme.test/sso',
): Promise<TestIdp> {
  const keys = await generateSpKeyPair('Test IdP');
  return { entityId, ssoUrl, keys, metadataXml: idpMetadata(entityId, ssoUrl, [keys.certificatePem]) };
}

export function idpMetadata(entityId: string, ssoUrl: string, certificates: string[]): string {
  const keyDescriptors = certificates
    .map(
      (pem) =>
        `<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${certificateBody(pem)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`,
    )
    .join('');
  return `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${entityId}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    ${keyDescriptors}
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${ssoUrl}"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${ssoUrl}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;
}
