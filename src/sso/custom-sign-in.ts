/**
 * Custom sign-in: LiteLLM's CustomSSOLoginHandler done safely. Two ways for something other
 * than a SAML or OIDC provider to say who is signing in:
 *
 * - the built-in trusted-header connection (src/sso/trusted-header.ts), for deployments
 *   behind an authenticating proxy, believed only from TRUSTED_PROXY_CIDRS;
 * - a CustomSignInHandler: the operator's own module (CUSTOM_SIGN_IN_HANDLER) that reads
 *   the request and returns an ExternalIdentityInput, or null to decline.
 *
 * Either way the result goes through the same organisation rules as every protocol
 * (signInWithin), in one transaction with the caller's session and trace. A handler that
 * throws or returns nonsense is a refusal with a code, never a 500.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { Config } from '../config/schema.ts';
import type { Connection, ExternalIdentity } from '../identity/external-identity.ts';
import { type SignInResult, signInWithin } from '../identity/sign-in.ts';
import type { Organisation } from '../store/repositories/organisations.ts';
import type { Repositories, Store } from '../store/store.ts';
import { CustomSignInError } from './custom-sign-in-errors.ts';
import { environmentDefaultRole } from './oidc-env-connections.ts';
import { safeReturnUrl } from './return-path.ts';
import {
  type HeaderBag,
  identityFromHeaders,
  isTrustedPeer,
  trustedHeaderNames,
  trustedProxies,
} from './trusted-header.ts';

/** What a handler sees of the sign-in request. */
export interface CustomSignInRequest {
  /** Request headers, names in lower case (duplicates joined by Node, `set-cookie` an array). */
  headers: HeaderBag;
  /** The query string, parsed. */
  query: Readonly<Record<string, string | string[] | undefined>>;
  /** The client address as Fastify reports it (follows TRUST_PROXY: X-Forwarded-For from trusted hops). */
  ip: string;
  /** The TCP peer address itself, which no header can change. */
  peerAddress: string | null;
  /** The request URL: path and query. */
  url: string;
}

/**
 * Who the handler says is signing in. `subject` is the person's stable id in the handler's
 * world (external identities are keyed by it); `email` is required the first time.
 */
export interface ExternalIdentityInput {
  subject: string;
  email: string | null;
  /**
   * Whether the handler vouches that the person controls `email`. Default false: then no
   * existing account is ever linked by email (a person already known gets identity_link_refused).
   */
  emailVerified?: boolean;
  firstName?: string | null;
  lastName?: string | null;
  displayName?: string | null;
  /** Matched to groups' externalId; SSO memberships are added and removed to match. */
  groups?: string[] | null;
  /** A role name (LiteLLM aliases accepted), checked against ROLES; else the default role. */
  role?: string | null;
  /** Copied onto the user's attributes at every login (e.g. LiteLLM's models, max_budget). */
  attributes?: Record<string, unknown>;
}

/**
 * A custom sign-in handler: the default export (or the export `signIn`) of the module named
 * by CUSTOM_SIGN_IN_HANDLER. Return the person, or null to decline (401
 * `custom_sign_in_declined`); throw a CustomSignInRejection when the request is bad (400
 * `custom_sign_in_rejected`). Anything else thrown is a broken handler (502). See
 * examples/custom-sign-in-handler.ts.
 */
export type CustomSignInHandler = (
  request: CustomSignInRequest,
) => Promise<ExternalIdentityInput | null> | ExternalIdentityInput | null;

/**
 * Thrown by a handler to refuse a bad request (a forged or expired signature). Recognised by
 * its name too, so that a handler need not import this file.
 */
export class CustomSignInRejection extends Error {
  override name = 'CustomSignInRejection';
}

/** A handler gets this long; the person should not wait on a hung dependency for ever. */
export const HANDLER_TIMEOUT_MS = 10_000;

const EMAIL = /^[^\s@,;<>"()[\]\\]{1,64}@[^\s@,;<>"()[\]\\]{1,253}$/;
/** Text a handler returns; lone surrogates would fail in storage (PostgreSQL refuses them). */
const text = () => z.string().refine((v) => v.isWellFormed() && !v.includes('\u0000'), 'invalid characters');
const optionalText = (max: number) => text().trim().max(max).nullable().optional();

/** The handler's answer, checked as untrusted input (it is code we did not write). */
const identityInput = z.object({
  subject: text().trim().min(1).max(255),
  email: text().trim().max(254).regex(EMAIL).nullable(),
  emailVerified: z.boolean().optional(),
  firstName: optionalText(512),
  lastName: optionalText(512),
  displayName: optionalText(512),
  groups: z.array(text().trim().min(1).max(256)).max(1000).nullable().optional(),
  role: optionalText(64),
  attributes: z
    .record(z.string().max(128), z.unknown())
    .refine((v) => {
      try {
        return JSON.stringify(v).length <= 16_384;
      } catch {
        return false;
      }
    }, 'attributes must be JSON of at most 16 KiB')
    .optional(),
});

/** Imports the handler module; its default export, else its `signIn` export, must be a function. */
export async function loadCustomSignInHandler(
  path: string,
  cwd = process.cwd(),
): Promise<CustomSignInHandler> {
  let module: { default?: unknown; signIn?: unknown };
  try {
    module = (await import(pathToFileURL(resolve(cwd, path)).href)) as typeof module;
  } catch (err) {
    throw new CustomSignInError(
      'custom_sign_in_handler_unavailable',
      'The custom sign-in handler could not be loaded',
      {
        path,
        error: err instanceof Error ? err.message.slice(0, 300) : String(err),
      },
    );
  }
  const handler = typeof module.default === 'function' ? module.default : module.signIn;
  if (typeof handler !== 'function') {
    throw new CustomSignInError(
      'custom_sign_in_handler_unavailable',
      'The custom sign-in handler module exports no default function and no signIn function',
      { path },
    );
  }
  return handler as CustomSignInHandler;
}

export type CustomConnectionName = 'trusted-header' | 'custom-handler';

export interface FinishedCustomSignIn {
  connection: Connection;
  identity: ExternalIdentityInput;
  result: SignInResult;
  returnTo: string;
}

export interface CustomSignInDeps {
  config: Config;
  store: Store;
  /** Loads the handler module (tests may substitute one). */
  loadHandler?: (path: string) => Promise<CustomSignInHandler>;
}

async function runHandler(handler: CustomSignInHandler, request: CustomSignInRequest): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(
      () => fail(new Error(`no answer within ${HANDLER_TIMEOUT_MS} ms`)),
      HANDLER_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([Promise.resolve().then(() => handler(request)), timeout]);
  } catch (err) {
    const name = err instanceof Error ? err.name : typeof err;
    const message = err instanceof Error ? err.message.slice(0, 300) : String(err).slice(0, 300);
    if (name === 'CustomSignInRejection') {
      throw new CustomSignInError('custom_sign_in_rejected', 'The sign-in request was refused', {
        reason: message,
      });
    }
    throw new CustomSignInError('custom_sign_in_handler_failed', 'The custom sign-in handler failed', {
      error: name,
      reason: message,
    });
  } finally {
    clearTimeout(timer);
  }
}

export function createCustomSignIn(deps: CustomSignInDeps) {
  const { config, store } = deps;
  const load = deps.loadHandler ?? ((path: string) => loadCustomSignInHandler(path));
  // Resolved now, so that a wrong SSO_DEFAULT_ROLE fails the start, not a person's sign-in.
  const enabled = config.TRUSTED_HEADER_ENABLED || config.CUSTOM_SIGN_IN_HANDLER !== undefined;
  const defaultRole = enabled ? environmentDefaultRole(config) : 'member_viewer';
  const proxies = trustedProxies(config.TRUSTED_PROXY_CIDRS);
  const names = trustedHeaderNames(config);
  const slugs: Record<CustomConnectionName, string> = {
    'trusted-header': config.TRUSTED_HEADER_ORGANISATION ?? config.SSO_DEFAULT_ORGANISATION,
    'custom-handler': config.CUSTOM_SIGN_IN_ORGANISATION ?? config.SSO_DEFAULT_ORGANISATION,
  };
  let loaded: Promise<CustomSignInHandler> | undefined;

  /** Loaded once; a failed load is tried again at the next sign-in (the file may be fixed). */
  function customHandler(path: string): Promise<CustomSignInHandler> {
    if (!loaded) {
      const loading = load(path);
      loading.catch(() => {
        if (loaded === loading) loaded = undefined;
      });
      loaded = loading;
    }
    return loaded;
  }

  /** The organisation a connection's people belong to (created at start by the bootstrap). */
  function organisation(kind: CustomConnectionName): Promise<Organisation | undefined> {
    return store.organisations.getBySlug(slugs[kind]);
  }

  async function finish<T>(
    kind: CustomConnectionName,
    input: ExternalIdentityInput,
    next: string | undefined,
    complete: (tx: Repositories, done: FinishedCustomSignIn) => Promise<T>,
  ): Promise<{ done: FinishedCustomSignIn; value: T }> {
    const org = await organisation(kind);
    if (!org) {
      throw new CustomSignInError(
        'custom_sign_in_organisation_missing',
        `The organisation "${slugs[kind]}" of this sign-in does not exist; restart Drawbridge to create it`,
      );
    }
    const connection: Connection = {
      protocol: 'custom',
      id: kind,
      name: kind,
      organisationId: org.id,
      defaultRole,
    };
    const identity: ExternalIdentity = {
      connection,
      subject: input.subject,
      email: input.email,
      emailVerified: input.emailVerified ?? false,
      firstName: input.firstName ?? null,
      lastName: input.lastName ?? null,
      displayName: input.displayName ?? null,
      groups: input.groups ?? null,
      role: input.role ?? null,
    };
    const returnTo = safeReturnUrl(
      next,
      config.BASE_URL,
      config.ALLOWED_REDIRECT_ORIGINS,
      `${config.BASE_URL}/`,
    );
    return store.transaction(async (tx) => {
      const signedIn = await signInWithin(tx, identity, {
        roles: config.ROLES,
        singleOrganisation: config.SSO_SINGLE_ORGANISATION,
      });
      let result = signedIn;
      // Environment defaults at first login (LiteLLM's default_internal_user_params); the handler's own on every login.
      const defaults = signedIn.created ? (config.SSO_USER_DEFAULT_ATTRIBUTES ?? {}) : {};
      const given = input.attributes ?? {};
      if (Object.keys(defaults).length > 0 || Object.keys(given).length > 0) {
        const user = await tx.users.update(signedIn.user.id, {
          attributes: { ...signedIn.user.attributes, ...defaults, ...given },
        });
        if (user) result = { ...signedIn, user };
      }
      const done: FinishedCustomSignIn = { connection, identity: input, result, returnTo };
      return { done, value: await complete(tx, done) };
    });
  }

  /** The trusted-header login: proxy check first, then the headers, then the organisation rules. */
  async function trustedHeader<T>(
    request: CustomSignInRequest,
    next: string | undefined,
    complete: (tx: Repositories, done: FinishedCustomSignIn) => Promise<T>,
  ) {
    if (!config.TRUSTED_HEADER_ENABLED) {
      throw new CustomSignInError(
        'trusted_header_disabled',
        'Trusted-header sign-in is not enabled on this instance',
      );
    }
    if (!isTrustedPeer(proxies, request.peerAddress ?? undefined)) {
      throw new CustomSignInError(
        'trusted_header_untrusted_source',
        'This request did not come through the authenticating proxy',
        { peerAddress: request.peerAddress },
      );
    }
    return finish('trusted-header', identityFromHeaders(request.headers, names), next, complete);
  }

  /** The configured handler's login: it decides who this is, the organisation rules decide the rest. */
  async function custom<T>(
    request: CustomSignInRequest,
    next: string | undefined,
    complete: (tx: Repositories, done: FinishedCustomSignIn) => Promise<T>,
  ) {
    const path = config.CUSTOM_SIGN_IN_HANDLER;
    if (!path)
      throw new CustomSignInError('custom_sign_in_not_configured', 'No custom sign-in handler is configured');
    const handler = await customHandler(path).catch((err: unknown) => {
      if (err instanceof CustomSignInError) throw err;
      throw new CustomSignInError(
        'custom_sign_in_handler_unavailable',
        'The custom sign-in handler could not be loaded',
        {
          error: err instanceof Error ? err.message.slice(0, 300) : String(err).slice(0, 300),
        },
      );
    });
    const answer = await runHandler(handler, request);
    if (answer === null || answer === undefined) {
      throw new CustomSignInError('custom_sign_in_declined', 'The sign-in handler did not recognise you');
    }
    const parsed = identityInput.safeParse(answer);
    if (!parsed.success) {
      throw new CustomSignInError(
        'custom_sign_in_invalid_identity',
        'The custom sign-in handler returned an unusable identity',
        {
          issues: parsed.error.issues
            .slice(0, 10)
            .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
        },
      );
    }
    return finish('custom-handler', parsed.data, next, complete);
  }

  return { trustedHeader, custom, organisation };
}

export type CustomSignIn = ReturnType<typeof createCustomSignIn>;
