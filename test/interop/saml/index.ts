/**
 * Real SAML identity providers on loopback for end-to-end tests of Drawbridge's SP:
 * SimpleSAMLphp 1.19 and pysaml2 7 (Debian packages, installed by scripts/test-prereqs.ts), and a
 * scripted browser that logs in through them. See README.md beside this file.
 */
export {
  CookieJar,
  type Credentials,
  completeSpInitiatedLogin,
  idpInitiatedLogin,
  LoginFailedError,
  type SamlPost,
} from './browser.ts';
export {
  DEFAULT_USERS,
  ENTRA_CLAIM_URIS,
  generateKeyPair,
  type IdpOptions,
  type IdpUser,
  NAME_FORMATS,
  type RunningIdp,
  type SpDescription,
} from './common.ts';
export { startPysaml2 } from './pysaml2.ts';
export { startSimpleSamlPhp } from './simplesamlphp.ts';
