/**
 * Plausible values for each body field of the admin and sign-in routes, for near-valid random
 * bodies: a body that is almost right gets past the schema's first checks and reaches the
 * handler, where a whole-wrong one would only ever meet the validator.
 */

import fc from 'fast-check';
import { hostileString, jsonArb } from './hostile-values.ts';

export const roleArb = fc.oneof(
  fc.constantFrom(
    'admin',
    'admin_viewer',
    'member',
    'member_viewer',
    'customer',
    'proxy_admin',
    ' Member ',
    null,
  ),
  hostileString,
);
export const nameArb = fc.oneof(fc.string({ maxLength: 30 }), hostileString);
export const emailArb = fc.oneof(
  fc.emailAddress(),
  hostileString,
  fc.string().map((s) => `${s}@example.com`),
);
export const domainArb = fc.oneof(
  fc.domain(),
  hostileString,
  fc.domain().map((d) => `${d.toUpperCase()}.`),
);
export const slugArb = fc.oneof(fc.stringMatching(/^[a-z0-9-]{1,70}$/), hostileString);
export const attributesArb = fc.oneof(
  fc.dictionary(
    fc.oneof(fc.string({ maxLength: 120 }), fc.constantFrom('__proto__', '')),
    fc.jsonValue({ maxDepth: 3 }),
    {
      maxKeys: 5,
    },
  ),
  jsonArb,
);
export const passwordArb = fc.oneof(
  fc.string({ minLength: 0, maxLength: 30 }),
  fc.string({ minLength: 250, maxLength: 300 }),
);
const boolArb = fc.oneof(fc.boolean(), hostileString);
const urlArb = fc.oneof(fc.webUrl(), hostileString, fc.constant(null));
export const oidcFields = {
  issuer: urlArb,
  authorizationEndpoint: urlArb,
  tokenEndpoint: urlArb,
  userinfoEndpoint: urlArb,
  clientId: hostileString,
  clientSecret: fc.oneof(hostileString, fc.constant(null)),
  clientAuth: fc.oneof(
    fc.constantFrom('client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'),
    hostileString,
  ),
  privateKeyPem: fc.oneof(hostileString, fc.constant(null)),
  scope: hostileString,
  usePkce: boolArb,
  extraHeaders: fc.oneof(fc.dictionary(hostileString, hostileString), jsonArb),
  claims: fc.oneof(
    fc.dictionary(fc.constantFrom('id', 'email', 'groups', 'extra', 'x'), hostileString),
    jsonArb,
  ),
  idTokenAlgorithms: fc.oneof(fc.subarray(['RS256', 'ES256', 'EdDSA', 'HS256', 'none']), jsonArb),
  defaultRole: roleArb,
  allowedEmailDomains: fc.oneof(fc.array(hostileString, { maxLength: 3 }), jsonArb),
  userDefaults: fc.oneof(attributesArb, jsonArb),
  tenant: fc.oneof(hostileString, fc.constant(null)),
  enabled: boolArb,
};
export const samlFields = {
  allowIdpInitiated: boolArb,
  idpMetadataXml: fc.oneof(hostileString, fc.constant('<md:EntityDescriptor/>'), fc.constant(null)),
  frontendUrl: fc.oneof(fc.webUrl(), hostileString, fc.constant(null)),
  attributeMappings: fc.oneof(
    fc.dictionary(fc.constantFrom('email', 'groups', 'role', 'x'), hostileString),
    jsonArb,
  ),
  defaultRole: roleArb,
  allowSha1: boolArb,
  wantAssertionsEncrypted: boolArb,
  requireSignedAssertion: boolArb,
  signAuthnRequests: boolArb,
  maxAssertionAgeSeconds: fc.oneof(fc.integer({ min: -10, max: 700_000 }), fc.constant(null), hostileString),
  requiredAuthnContexts: fc.oneof(fc.array(hostileString, { maxLength: 3 }), jsonArb),
  enabled: boolArb,
};
/** The name of a SAML or OIDC configuration (it is a path segment, hence the narrow shape). */
export const configurationNameArb = fc.oneof(fc.stringMatching(/^[a-z0-9_-]{1,70}$/), hostileString);
/** Redeeming an emailed token (invitation or password reset) with a new password. */
export const tokenPasswordFields = {
  token: fc.oneof(fc.base64String(), hostileString),
  password: passwordArb,
};
export const groupFields = {
  name: nameArb,
  externalId: fc.oneof(hostileString, fc.constant(null)),
  addNewUsersByDefault: fc.oneof(fc.boolean(), jsonArb),
  role: roleArb,
};
export const domainFlagFields = {
  verified: fc.oneof(fc.boolean(), jsonArb),
  enforceSso: fc.oneof(fc.boolean(), jsonArb),
};
