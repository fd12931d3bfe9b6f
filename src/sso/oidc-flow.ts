/**
 * The OpenID Connect / OAuth2 authorization code flow around the protocol core: start a login
 * (state, nonce and PKCE kept server-side, bound to the browser, any instance can finish it),
 * and finish it at the callback (pair with the stored request exactly once, redeem the code,
 * verify the ID token ourselves, read userinfo and provider APIs, apply the organisation rules).
 */
import { randomBytes } from 'node:crypto';
import type * as Client from 'openid-client';
import type { Config } from '../config/schema.ts';
import type { SecretBox } from '../credentials/secret-box.ts';
import { sha256Hex } from '../credentials/tokens.ts';
import { IdentityError } from '../identity/errors.ts';
import type { ExternalIdentity } from '../identity/external-identity.ts';
import { loginMethodAllowed, loginPolicyFrom } from '../identity/login-methods.ts';
import { type SignInResult, signInWithin } from '../identity/sign-in.ts';
import { emailDomainAllowed, type OidcProfile, profileFromClaims } from '../oidc/claims.ts';
import { OidcError } from '../oidc/errors.ts';
import { verifyIdToken } from '../oidc/id-token.ts';
import { keyResolverCache } from '../oidc/jwks.ts';
import { claimNamesFor, microsoftTenantAllowed } from '../oidc/providers.ts';
import type { OidcConfiguration } from '../store/repositories/oidc-configurations.ts';
import type { Repositories, Store } from '../store/store.ts';
import { SsoFlowError } from './errors.ts';
import {
  clientConfigurationCache,
  isOAuth2,
  openIdClient,
  outboundCause,
  outboundRefusal,
  serverMetadataOf,
} from './oidc-client.ts';
import { exchangeRefusal } from './oidc-exchange-errors.ts';
import { githubProfile, hasGroupsOverage, microsoftGroups, readUserinfo } from './oidc-provider-apis.ts';
import { type OutboundFetch, outboundFetch, type Transport } from './outbound-fetch.ts';
import { checkPendingLogin } from './pending-login-check.ts';
import { safeReturnUrl } from './return-path.ts';

export const OIDC_PENDING_SECONDS = 600;

export interface OidcFlowDeps {
  config: Config;
  store: Store;
  box: SecretBox;
  /** Tests route remote SaaS hosts (Graph, GitHub, Microsoft) to loopback fakes here. */
  transport?: Transport;
}

export interface StartedOidcLogin {
  redirectUrl: string;
  state: string;
  /** Set as the browser-binding cookie; only its hash is stored. */
  bindingValue: string;
}

export interface FinishedOidcLogin {
  configuration: OidcConfiguration;
  profile: OidcProfile;
  claims: Record<string, unknown>;
  result: SignInResult;
  returnTo: string;
}

export interface CallbackInput {
  name: string;
  /** The callback's query string as received (without `?`). */
  query: string;
  bindingFor: (state: string) => string | undefined;
}

export function oidcBindingCookieName(state: string): string {
  return `drawbridge_oidc_${sha256Hex(state).slice(0, 16)}`;
}

export function oidcRedirectUri(baseUrl: string, name: string): string {
  return `${baseUrl}/api/v1/auth/oidc/${encodeURIComponent(name)}/callback/`;
}

export function createOidcFlow(deps: OidcFlowDeps) {
  const { config, store, box } = deps;
  const policy = {
    allowPrivate: config.DRAWBRIDGE_ALLOW_PRIVATE_IDP_URLS,
    timeoutMs: config.OIDC_HTTP_TIMEOUT_MS,
    maxBytes: 1024 * 1024,
    ...(deps.transport ? { transport: deps.transport } : {}),
  };
  const plainFetch = outboundFetch(policy);
  const fetches = new Map<string, OutboundFetch>();
  /** The connection's fetch, carrying its extra headers (LiteLLM's GENERIC_SSO_HEADERS). */
  function fetchFor(c: OidcConfiguration): OutboundFetch {
    if (Object.keys(c.extraHeaders).length === 0) return plainFetch;
    const key = `${c.id}:${c.updatedAt}`;
    let f = fetches.get(key);
    if (!f) {
      f = outboundFetch(policy, c.extraHeaders);
      if (fetches.size > 1000) fetches.clear();
      fetches.set(key, f);
    }
    return f;
  }
  const clientConfiguration = clientConfigurationCache({
    allowInsecure: config.DRAWBRIDGE_ALLOW_PRIVATE_IDP_URLS,
    timeoutSeconds: Math.ceil(config.OIDC_HTTP_TIMEOUT_MS / 1000),
    discoveryMaxAgeMs: config.OIDC_DISCOVERY_MAX_AGE_SECONDS * 1000,
  });
  const keysFor = keyResolverCache({
    cooldownSeconds: config.OIDC_JWKS_COOLDOWN_SECONDS,
    maxAgeSeconds: config.OIDC_JWKS_MAX_AGE_SECONDS,
    timeoutMs: config.OIDC_HTTP_TIMEOUT_MS,
    fetch: plainFetch as never,
  });

  async function configuration(name: string): Promise<OidcConfiguration> {
    const c = await store.oidcConfigurations.getByName(name);
    if (!c) throw new SsoFlowError('oidc_configuration_not_found', `No OIDC configuration named "${name}"`);
    if (!c.enabled)
      throw new SsoFlowError('oidc_configuration_disabled', 'This OIDC configuration is disabled');
    return c;
  }

  /** The organisation's login policy must allow OIDC (checked at start and again at the callback). */
  async function methodAllowed(c: OidcConfiguration): Promise<void> {
    const policy = loginPolicyFrom(await store.loginPolicies.get(c.organisationId));
    if (!loginMethodAllowed(policy, 'oidc')) {
      throw new IdentityError(
        'identity_login_method_not_allowed',
        'This organisation does not allow OpenID Connect sign-in',
      );
    }
  }

  function secrets(c: OidcConfiguration) {
    return () => ({
      clientSecret: c.clientSecretSealed ? box.open(c.clientSecretSealed) : null,
      privateKeyPem: c.privateKeySealed ? box.open(c.privateKeySealed) : null,
    });
  }

  function returnTarget(c: OidcConfiguration, candidate: string | null | undefined): string {
    const fallback = c.frontendUrl ?? config.BASE_URL;
    return safeReturnUrl(
      candidate,
      config.BASE_URL,
      [...config.ALLOWED_REDIRECT_ORIGINS, ...(c.frontendUrl ? [c.frontendUrl] : [])],
      fallback.endsWith('/') ? fallback : `${fallback}/`,
    );
  }

  async function start(
    name: string,
    next: string | null | undefined,
    now = Date.now(),
  ): Promise<StartedOidcLogin> {
    const c = await configuration(name);
    await methodAllowed(c);
    const client = await openIdClient();
    const cfg = await clientConfiguration(c, secrets(c), fetchFor(c), now);
    const state = client.randomState();
    const nonce = client.randomNonce();
    const codeVerifier = client.randomPKCECodeVerifier();
    const bindingValue = randomBytes(32).toString('base64url');
    await store.pendingLogins.create({
      id: state,
      protocol: 'oidc',
      configurationId: c.id,
      browserHash: sha256Hex(bindingValue),
      returnTo: returnTarget(c, next),
      data: { nonce, codeVerifier: c.usePkce ? codeVerifier : null },
      createdAt: now,
      expiresAt: now + OIDC_PENDING_SECONDS * 1000,
    });
    const parameters: Record<string, string> = {
      redirect_uri: oidcRedirectUri(config.BASE_URL, c.name),
      scope: c.scope,
      state,
      response_type: 'code',
    };
    if (!isOAuth2(c)) parameters.nonce = nonce;
    // PKCE is always S256, whatever the provider's metadata advertises (RFC 9700 §4.8.2).
    if (c.usePkce) {
      parameters.code_challenge = await client.calculatePKCECodeChallenge(codeVerifier);
      parameters.code_challenge_method = 'S256';
    }
    return { redirectUrl: client.buildAuthorizationUrl(cfg, parameters).href, state, bindingValue };
  }

  /** Pairs the callback with the login it answers, exactly once, from the browser that started it. */
  async function pairWithRequest(
    c: OidcConfiguration,
    params: URLSearchParams,
    input: CallbackInput,
    now: number,
  ) {
    const state = params.get('state');
    if (!state) throw new SsoFlowError('oidc_state_missing', 'The callback carries no state');
    if (params.getAll('state').length > 1)
      throw new SsoFlowError('oidc_callback_malformed', 'The callback repeats state');
    // Read, not yet claimed: someone who learnt the state but lacks this browser's cookie cannot
    // use up the person's login. The claim is part of the login's own commit (see finish).
    const expected = { configurationId: c.id, binding: input.bindingFor(state), now };
    const pending = checkPendingLogin('oidc', await store.pendingLogins.get(state, 'oidc'), expected);
    return { state, pending, expected };
  }

  /** Redeems the code; openid-client checks state, RFC 9207 `iss`, PKCE and the ID token's claims. */
  async function redeem(
    c: OidcConfiguration,
    cfg: Client.Configuration,
    params: URLSearchParams,
    state: string,
    data: { nonce: string; codeVerifier: string | null },
  ) {
    const client = await openIdClient();
    const url = new URL(oidcRedirectUri(config.BASE_URL, c.name));
    url.search = params.toString();
    try {
      return await client.authorizationCodeGrant(
        cfg,
        url,
        {
          expectedState: state,
          idTokenExpected: !isOAuth2(c),
          ...(isOAuth2(c) ? {} : { expectedNonce: data.nonce }),
          ...(data.codeVerifier ? { pkceCodeVerifier: data.codeVerifier } : {}),
        },
        c.includeClientId ? { client_id: c.clientId } : undefined,
      );
    } catch (err) {
      const cause = outboundCause(err);
      if (cause) throw outboundRefusal(cause);
      throw exchangeRefusal(err);
    }
  }

  /** Every claim the login learnt: the verified ID token first, userinfo and APIs filling gaps. */
  async function collectClaims(
    c: OidcConfiguration,
    cfg: Client.Configuration,
    tokens: Client.TokenEndpointResponse,
    nonce: string,
    now: number,
  ): Promise<Record<string, unknown>> {
    const fetch = fetchFor(c);
    if (isOAuth2(c)) {
      const userinfo = serverMetadataOf(cfg).userinfo_endpoint;
      if (!userinfo)
        throw new SsoFlowError('oidc_userinfo_failed', 'An OAuth2 connection needs a userinfo endpoint');
      if (c.provider === 'github') return githubProfile(fetch, userinfo, tokens.access_token);
      return readUserinfo(fetch, userinfo, tokens.access_token);
    }
    if (!tokens.id_token) throw new SsoFlowError('oidc_id_token_missing', 'The provider sent no ID token');
    const server = serverMetadataOf(cfg);
    if (!server.jwks_uri)
      throw new SsoFlowError('oidc_discovery_failed', 'The provider publishes no jwks_uri');
    const tenantAllowed = c.provider === 'microsoft' ? microsoftTenantAllowed(c.tenant) : undefined;
    const claims = await verifyIdToken(
      tokens.id_token,
      {
        issuer: server.issuer,
        clientId: c.clientId,
        nonce,
        algorithms: c.idTokenAlgorithms,
        clockSkewSeconds: config.OIDC_CLOCK_SKEW_SECONDS,
        maxAgeSeconds: config.OIDC_ID_TOKEN_MAX_AGE_SECONDS,
        ...(tenantAllowed ? { tenantAllowed } : {}),
      },
      keysFor(server.jwks_uri),
      now,
    );
    let merged = claims;
    if (c.fetchUserinfo && server.userinfo_endpoint) {
      const userinfo = await readUserinfo(fetch, server.userinfo_endpoint, tokens.access_token);
      // OIDC Core §5.3.4: the userinfo sub must equal the ID token's, or the answer is not about this person.
      if (userinfo.sub !== claims.sub) {
        throw new OidcError(
          'oidc_userinfo_subject_mismatch',
          'The userinfo answer is about another subject (sub)',
        );
      }
      merged = { ...userinfo, ...claims };
    }
    if (c.provider === 'microsoft' && hasGroupsOverage(claims)) {
      merged = { ...merged, groups: await microsoftGroups(fetch, c.graphEndpoint, tokens.access_token) };
    }
    return merged;
  }

  /**
   * The callback: pair, redeem, verify, read the profile (network, outside any transaction),
   * then ONE transaction for the organisation rules and the caller's session and trace.
   */
  async function finish<T>(
    input: CallbackInput,
    complete: (tx: Repositories, done: FinishedOidcLogin) => Promise<T>,
    now = Date.now(),
  ): Promise<{ done: FinishedOidcLogin; value: T }> {
    const c = await configuration(input.name);
    const params = new URLSearchParams(input.query);
    const { state, pending, expected } = await pairWithRequest(c, params, input, now);
    try {
      const error = params.get('error');
      if (error !== null) {
        const description = params.get('error_description');
        throw new SsoFlowError(
          'oidc_provider_error',
          `The provider refused the login: ${error.slice(0, 64)}${description ? ` (${description.slice(0, 200)})` : ''}`,
        );
      }
      await methodAllowed(c);
      const data = pending.data as { nonce: string; codeVerifier: string | null };
      const cfg = await clientConfiguration(c, secrets(c), fetchFor(c), now);
      const tokens = await redeem(c, cfg, params, state, data);
      let claims: Record<string, unknown>;
      try {
        claims = await collectClaims(c, cfg, tokens, data.nonce, Date.now());
      } catch (err) {
        // A URL the address policy refuses is named as such wherever it was met (the JWKS too);
        // other network failures keep the more precise code they carry (oidc_jwks_unavailable).
        const cause = outboundCause(err);
        if (cause && (cause.code === 'idp_url_not_allowed' || !(err instanceof OidcError)))
          throw outboundRefusal(cause);
        throw err;
      }
      const profile = profileFromClaims(claims, claimNamesFor(c.provider, c.claims));
      if (!emailDomainAllowed(profile.email, c.allowedEmailDomains)) {
        throw new SsoFlowError(
          'oidc_email_domain_not_allowed',
          'This email domain may not sign in with this configuration',
        );
      }
      const identity: ExternalIdentity = {
        connection: {
          protocol: isOAuth2(c) ? 'oauth2' : 'oidc',
          id: c.id,
          name: c.name,
          organisationId: c.organisationId,
          defaultRole: c.defaultRole,
        },
        subject: profile.subject ?? '',
        email: profile.email,
        // Only the provider's explicit word counts (email_verified); without it no account is linked by email.
        emailVerified: profile.emailVerified,
        firstName: profile.firstName,
        lastName: profile.lastName,
        displayName: profile.displayName,
        groups: profile.groups,
        role: profile.role,
      };
      return await store.transaction(async (tx) => {
        // The claim: of two callbacks racing on one state, exactly one commits a login.
        checkPendingLogin('oidc', await tx.pendingLogins.consume(state, 'oidc'), expected);
        const signedIn = await signInWithin(tx, identity, {
          roles: config.ROLES,
          singleOrganisation: config.SSO_SINGLE_ORGANISATION,
        });
        let result = signedIn;
        // Default attributes at first login (LiteLLM's SSOUserDefinedValues); mapped extra claims on every login.
        const defaults = signedIn.created ? c.userDefaults : {};
        if (Object.keys(defaults).length > 0 || Object.keys(profile.extra).length > 0) {
          const attributes = { ...signedIn.user.attributes, ...defaults, ...profile.extra };
          const user = await tx.users.update(signedIn.user.id, { attributes });
          if (user) result = { ...signedIn, user };
        }
        const done: FinishedOidcLogin = {
          configuration: c,
          profile,
          claims,
          result,
          returnTo: pending.returnTo,
        };
        return { done, value: await complete(tx, done) };
      });
    } catch (err) {
      // A refused callback still uses up its state: it cannot be retried (attacks.md O-ERR-1,
      // O-STATE-4). Except when the provider refused the code: that is what a duplicate of a
      // callback still in flight gets (a double click, a reload), and using up the state then
      // would fail the person's real sign-in; the code is spent and PKCE binds any other one.
      if (!(err instanceof SsoFlowError && err.code === 'oidc_token_request_failed')) {
        await store.pendingLogins.consume(state, 'oidc').catch(() => undefined);
      }
      throw err;
    }
  }

  return {
    configuration,
    start,
    finish,
    redirectUri: (name: string) => oidcRedirectUri(config.BASE_URL, name),
  };
}

export type OidcFlow = ReturnType<typeof createOidcFlow>;
