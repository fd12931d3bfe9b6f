/**
 * The SAML Web Browser SSO flow around the protocol core (SAML Profiles 2.0 §4.1): start an
 * SP-initiated login (pending request kept server-side, bound to the browser), and finish one
 * at the ACS (validate, pair with the request exactly once, refuse replays, apply the
 * organisation rules). Any instance can finish a login another instance started.
 */
import { randomBytes } from 'node:crypto';
import type { Config } from '../config/schema.ts';
import type { SecretBox } from '../credentials/secret-box.ts';
import { sha256Hex } from '../credentials/tokens.ts';
import { IdentityError } from '../identity/errors.ts';
import type { ExternalIdentity } from '../identity/external-identity.ts';
import { loginMethodAllowed, loginPolicyFrom } from '../identity/login-methods.ts';
import { type SignInResult, signInWithin } from '../identity/sign-in.ts';
import { profileFromAssertion, type SamlProfile } from '../saml/profile.ts';
import type { ValidatedAssertion } from '../saml/validate-response.ts';
import type { LoginConfiguration, SamlConfiguration } from '../store/repositories/saml-configurations.ts';
import type { Repositories, Store } from '../store/store.ts';
import { SsoFlowError } from './errors.ts';
import { checkPendingLogin } from './pending-login-check.ts';
import { safeReturnUrl } from './return-path.ts';
import { samlUrls } from './saml-urls.ts';
import { validateOnThread } from './saml-validation-thread.ts';
import { loadSpKeys, type SpKeySet } from './sp-keys.ts';

type SamlProtocol = typeof import('../saml/validate-response.ts') &
  typeof import('../saml/authn-request.ts') &
  typeof import('../saml/sp-metadata.ts');
let protocolModules: Promise<SamlProtocol> | undefined;

/**
 * The SAML protocol stack (xmldom, xml-crypto, xml-encryption) loads on first use, so an
 * instance that never serves SAML does not carry it in memory.
 */
function samlProtocol(): Promise<SamlProtocol> {
  protocolModules ??= Promise.all([
    import('../saml/validate-response.ts'),
    import('../saml/authn-request.ts'),
    import('../saml/sp-metadata.ts'),
  ]).then(([validate, request, metadata]) => ({ ...validate, ...request, ...metadata }));
  return protocolModules;
}

/** How long a started login may take at the IdP. */
export const PENDING_LOGIN_SECONDS = 600;
const KEY_CACHE_MS = 10_000;

export interface SamlFlowDeps {
  config: Config;
  store: Store;
  box: SecretBox;
}

export interface StartedSamlLogin {
  /** HTTP-Redirect binding: where to send the browser. */
  redirectUrl?: string;
  /** HTTP-POST binding (IdPs that offer only it, e.g. some Google exports): a form to auto-submit. */
  post?: { action: string; fields: Record<string, string> };
  requestId: string;
  /** Set as the browser-binding cookie; only its hash is stored. */
  bindingValue: string;
}

export interface FinishedSamlLogin {
  configuration: LoginConfiguration;
  assertion: ValidatedAssertion;
  profile: SamlProfile;
  result: SignInResult;
  returnTo: string;
}

export interface AcsInput {
  name: string;
  samlResponse: string;
  relayState: string | null;
  /** Reads the browser-binding cookie of a request id, if the browser sent one. */
  bindingFor: (requestId: string) => string | undefined;
}

/** Name of the cookie that binds a pending request to the browser that started it. */
export function bindingCookieName(requestId: string): string {
  return `drawbridge_saml_${requestId}`;
}

/** The organisation's login policy must allow SAML (checked at start and in the login's transaction). */
async function samlAllowed(
  repos: Pick<Repositories, 'loginPolicies'>,
  organisationId: string,
): Promise<void> {
  if (!loginMethodAllowed(loginPolicyFrom(await repos.loginPolicies.get(organisationId)), 'saml')) {
    throw new IdentityError(
      'identity_login_method_not_allowed',
      'This organisation does not allow SAML sign-in',
    );
  }
}

export function createSamlFlow(deps: SamlFlowDeps) {
  const { config, store, box } = deps;
  let cached: { at: number; keys: Promise<SpKeySet> } | undefined;

  /** SP keys, cached briefly: a rotation reaches every instance within KEY_CACHE_MS. */
  function keys(): Promise<SpKeySet> {
    const now = Date.now();
    if (!cached || now - cached.at > KEY_CACHE_MS) {
      const loading = loadSpKeys(store, box, new URL(config.BASE_URL).hostname);
      cached = { at: now, keys: loading };
      loading.catch(() => {
        cached = undefined;
      });
    }
    return cached.keys;
  }

  async function configuration(name: string): Promise<SamlConfiguration> {
    const c = await store.samlConfigurations.getByName(name);
    if (!c) throw new SsoFlowError('saml_configuration_not_found', `No SAML configuration named "${name}"`);
    return c;
  }

  /** For a login: read on every request (edits apply at once everywhere), without the metadata XML. */
  async function loginConfiguration(name: string): Promise<LoginConfiguration> {
    const c = await store.samlConfigurations.getForLogin(name);
    if (!c) throw new SsoFlowError('saml_configuration_not_found', `No SAML configuration named "${name}"`);
    return c;
  }

  function usable(c: LoginConfiguration): LoginConfiguration & { idpEntityId: string } {
    if (!c.enabled)
      throw new SsoFlowError('saml_configuration_disabled', 'This SAML configuration is disabled');
    if (!c.idpEntityId || c.idpCertificates.length === 0) {
      throw new SsoFlowError(
        'saml_configuration_incomplete',
        'This SAML configuration has no IdP metadata yet',
      );
    }
    return c as LoginConfiguration & { idpEntityId: string };
  }

  function frontend(c: LoginConfiguration): string {
    return c.frontendUrl ?? config.BASE_URL;
  }

  function returnTarget(c: LoginConfiguration, candidate: string | null | undefined): string {
    const fallback = frontend(c);
    const allowed = [...config.ALLOWED_REDIRECT_ORIGINS, ...(c.frontendUrl ? [c.frontendUrl] : [])];
    return safeReturnUrl(
      candidate,
      config.BASE_URL,
      allowed,
      fallback.endsWith('/') ? fallback : `${fallback}/`,
    );
  }

  async function metadata(name: string): Promise<string> {
    const c = await configuration(name);
    const k = await keys();
    const urls = samlUrls(config.BASE_URL, c.name, config.SAML_FORCE_SSL);
    const { buildSpMetadata } = await samlProtocol();
    return buildSpMetadata({
      entityId: urls.entityId,
      acsUrl: urls.acsUrl,
      signingCertificates: k.publishedSigning.map((x) => x.certificatePem),
      encryptionCertificates: k.publishedEncryption.map((x) => x.certificatePem),
      authnRequestsSigned: c.signAuthnRequests,
      wantAssertionsSigned: c.requireSignedAssertion,
    });
  }

  async function start(
    name: string,
    next: string | null | undefined,
    now = Date.now(),
  ): Promise<StartedSamlLogin> {
    const c = usable(await loginConfiguration(name));
    await samlAllowed(store, c.organisationId);
    const ssoUrl = c.idpSsoRedirectUrl ?? c.idpSsoPostUrl;
    if (!ssoUrl) {
      throw new SsoFlowError(
        'saml_binding_unsupported',
        'The IdP offers no HTTP-Redirect or HTTP-POST SingleSignOnService',
      );
    }
    const urls = samlUrls(config.BASE_URL, c.name, config.SAML_FORCE_SSL);
    // An NCName: SAML IDs must not start with a digit.
    const requestId = `_${randomBytes(20).toString('hex')}`;
    const bindingValue = randomBytes(32).toString('base64url');
    await store.pendingLogins.create({
      id: requestId,
      protocol: 'saml',
      configurationId: c.id,
      browserHash: sha256Hex(bindingValue),
      returnTo: returnTarget(c, next),
      data: {},
      createdAt: now,
      expiresAt: now + PENDING_LOGIN_SECONDS * 1000,
    });
    const k = c.signAuthnRequests ? await keys() : undefined;
    const request = {
      id: requestId,
      issueInstant: now,
      spEntityId: urls.entityId,
      acsUrl: urls.acsUrl,
      idpSsoUrl: ssoUrl,
      // RelayState carries only an opaque reference: the request id (Bindings §3.4.3, ≤ 80 bytes).
      relayState: requestId,
      requestedAuthnContexts: c.requiredAuthnContexts,
      ...(k ? { signingKeyPem: k.signing.privateKeyPem } : {}),
    };
    const { buildPostBinding, buildRedirectUrl } = await samlProtocol();
    if (c.idpSsoRedirectUrl) return { redirectUrl: buildRedirectUrl(request), requestId, bindingValue };
    const post = buildPostBinding(request);
    return { post: { action: post.url, fields: { ...post.fields } }, requestId, bindingValue };
  }

  /** Pairs the response with the request it answers, exactly once, from the browser that asked. */
  async function pairWithRequest(
    tx: Repositories,
    c: LoginConfiguration,
    assertion: ValidatedAssertion,
    input: AcsInput,
    now: number,
  ) {
    if (assertion.inResponseTo === null) {
      if (!c.allowIdpInitiated) {
        throw new SsoFlowError(
          'saml_unsolicited_response',
          'This configuration does not accept IdP-initiated logins',
        );
      }
      return returnTarget(c, input.relayState);
    }
    const consumed = await tx.pendingLogins.consume(assertion.inResponseTo, 'saml');
    const pending = checkPendingLogin('saml', consumed, {
      configurationId: c.id,
      binding: consumed ? input.bindingFor(consumed.id) : undefined,
      now,
    });
    return pending.returnTo;
  }

  /**
   * Validates the response (outside any transaction: pure CPU work), then, in ONE transaction,
   * consumes the request, records the assertion as used, applies the organisation rules and
   * runs `complete` (the caller's session and trace): a login is one commit, and a refusal at
   * any step writes nothing.
   */
  async function finish<T>(
    input: AcsInput,
    complete: (tx: Repositories, done: FinishedSamlLogin) => Promise<T>,
    now = Date.now(),
  ): Promise<{ done: FinishedSamlLogin; value: T }> {
    const c = usable(await loginConfiguration(input.name));
    const urls = samlUrls(config.BASE_URL, c.name, config.SAML_FORCE_SSL);
    const k = await keys();
    const { DEFAULT_CANONICALIZATIONS } = await samlProtocol();
    // The same pure validator, on its own thread (saml-validation-thread.ts).
    const assertion = await validateOnThread(
      input.samlResponse,
      {
        spEntityId: urls.entityId,
        acsUrl: urls.acsUrl,
        idpEntityId: c.idpEntityId,
        idpCertificates: c.idpCertificates,
        requireSignedAssertion: c.requireSignedAssertion,
        allowSha1: c.allowSha1,
        allowedCanonicalizations: [...DEFAULT_CANONICALIZATIONS, ...config.EXTRA_ALLOWED_CANONICALIZATIONS],
        clockSkewSeconds: config.SAML_CLOCK_SKEW_SECONDS,
        decryptionKeys: k.decryption.map((x) => x.privateKeyPem),
        wantAssertionsEncrypted: c.wantAssertionsEncrypted,
        maxAssertionAgeSeconds: c.maxAssertionAgeSeconds,
        requiredAuthnContexts: c.requiredAuthnContexts,
      },
      now,
    );
    const profile = profileFromAssertion(assertion, c.attributeMappings);
    const identity: ExternalIdentity = {
      connection: {
        protocol: 'saml',
        id: c.id,
        name: c.name,
        organisationId: c.organisationId,
        defaultRole: c.defaultRole,
      },
      subject: profile.subject ?? '',
      email: profile.email,
      // The organisation's own IdP, configured by its admin, vouches for its people's addresses;
      // linking to an existing account still needs a verified domain or an existing membership.
      emailVerified: true,
      firstName: profile.firstName,
      lastName: profile.lastName,
      displayName: profile.displayName,
      groups: profile.groups,
      role: profile.role,
    };
    // One use per assertion across every instance, for as long as it could be accepted.
    const until = assertion.notOnOrAfter + config.SAML_CLOCK_SKEW_SECONDS * 1000;
    return store.transaction(async (tx) => {
      const returnTo = await pairWithRequest(tx, c, assertion, input, now);
      if (!(await tx.replayCache.claim(`saml:${c.id}:${assertion.assertionId}`, until, now))) {
        throw new SsoFlowError('saml_replay_detected', 'This assertion was already used');
      }
      await samlAllowed(tx, c.organisationId);
      const result = await signInWithin(tx, identity, {
        roles: config.ROLES,
        singleOrganisation: config.SSO_SINGLE_ORGANISATION,
      });
      const done = { configuration: c, assertion, profile, result, returnTo };
      return { done, value: await complete(tx, done) };
    });
  }

  /** Drops the cached keys (after a rotation on this instance). */
  function forgetKeys(): void {
    cached = undefined;
  }

  return {
    keys,
    forgetKeys,
    configuration,
    metadata,
    start,
    finish,
    urls: (name: string) => samlUrls(config.BASE_URL, name, config.SAML_FORCE_SSL),
  };
}

export type SamlFlow = ReturnType<typeof createSamlFlow>;
