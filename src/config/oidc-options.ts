/**
 * OpenID Connect options, and LiteLLM's SSO environment variables under their exact names so a
 * LiteLLM deployment's environment works unchanged: at start they create or update connections
 * in the default organisation (src/sso/oidc-bootstrap.ts).
 */
import { z } from 'zod';
import { booleanText, commaList, integer } from './values.ts';

const text = z.string().trim().min(1);
const url = text.url({ message: 'expected a URL' });
const attribute = (doc: string) => ({ schema: text.optional(), doc });

export const oidcOptions = {
  OIDC_CLOCK_SKEW_SECONDS: {
    schema: integer(0, 600).default(60),
    doc: 'Clock skew tolerated when checking ID token exp, iat and nbf.',
    defaultText: '60',
  },
  OIDC_ID_TOKEN_MAX_AGE_SECONDS: {
    schema: integer(60, 86_400).default(3_600),
    doc: 'An ID token issued (`iat`) longer ago than this is refused (OIDC Core §3.1.3.7 (10)).',
    defaultText: '3600',
  },
  OIDC_JWKS_COOLDOWN_SECONDS: {
    schema: integer(0, 3_600).default(30),
    doc: "At most one refetch of a provider's JWKS per this many seconds when a token names an unknown key id (key rotation), so forged key ids cannot make Drawbridge hammer the provider.",
    defaultText: '30',
  },
  OIDC_JWKS_MAX_AGE_SECONDS: {
    schema: integer(60, 86_400).default(600),
    doc: 'How long a fetched JWKS is used before it is fetched again.',
    defaultText: '600',
  },
  OIDC_DISCOVERY_MAX_AGE_SECONDS: {
    schema: integer(60, 86_400).default(3_600),
    doc: 'How long discovered provider metadata is used before discovery runs again (a failed refresh keeps the last good metadata).',
    defaultText: '3600',
  },
  OIDC_HTTP_TIMEOUT_MS: {
    schema: integer(500, 60_000).default(5_000),
    doc: 'Timeout of every request to an identity provider (discovery, JWKS, token, userinfo, Graph, GitHub).',
    defaultText: '5000',
  },
  SSO_DEFAULT_ORGANISATION: {
    schema: z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'expected an organisation slug' })
      .default('default'),
    doc: 'Slug of the organisation that connections from the LiteLLM-style variables below belong to; created at start when missing.',
    defaultText: 'default',
  },
  SSO_DEFAULT_ROLE: {
    schema: text.optional(),
    doc: 'Role of new users signing in through an environment-configured connection when no role claim or group names one (LiteLLM: `internal_user_viewer`).',
    defaultText: 'member_viewer',
  },
  SSO_USER_DEFAULT_ATTRIBUTES: {
    schema: z
      .union([z.record(z.string(), z.unknown()), z.string()])
      .transform((v, ctx) => {
        if (typeof v !== 'string') return v;
        try {
          const parsed = JSON.parse(v) as unknown;
          if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
            return parsed as Record<string, unknown>;
        } catch {}
        ctx.addIssue({ code: 'custom', message: 'expected a JSON object' });
        return z.NEVER;
      })
      .optional(),
    doc: 'Attributes given to users at their first login through an environment-configured connection (LiteLLM\'s `default_internal_user_params`), as a JSON object, e.g. `{"models":["gpt-4o"],"max_budget":10,"budget_duration":"30d"}`; returned by `/api/v1/auth/me`.',
  },
  ALLOWED_EMAIL_DOMAINS: {
    schema: commaList.transform((v) => v.map((d) => d.toLowerCase())).default([]),
    doc: 'Comma-separated email domains that may sign in through environment-configured connections (LiteLLM). Empty: any.',
    defaultText: '(any)',
  },
  GOOGLE_CLIENT_ID: {
    schema: text.optional(),
    doc: 'Google OAuth client id: creates the `google` connection (LiteLLM).',
  },
  GOOGLE_CLIENT_SECRET: { schema: text.optional(), secret: true, doc: 'Google OAuth client secret.' },
  MICROSOFT_CLIENT_ID: {
    schema: text.optional(),
    doc: 'Microsoft Entra ID application (client) id: creates the `microsoft` connection (LiteLLM).',
  },
  MICROSOFT_CLIENT_SECRET: {
    schema: text.optional(),
    secret: true,
    doc: 'Microsoft Entra ID client secret.',
  },
  MICROSOFT_TENANT: {
    schema: text.optional(),
    doc: "Entra tenant: a directory id or domain, or `common`, `organizations`, `consumers` (multi-tenant; the `{tenantid}` issuer is checked against each token's `tid`).",
    defaultText: 'common',
  },
  MICROSOFT_AUTHORIZATION_ENDPOINT: {
    schema: url.optional(),
    doc: 'Overrides the discovered Microsoft authorization endpoint.',
  },
  MICROSOFT_TOKEN_ENDPOINT: {
    schema: url.optional(),
    doc: 'Overrides the discovered Microsoft token endpoint.',
  },
  MICROSOFT_USERINFO_ENDPOINT: {
    schema: url.optional(),
    doc: 'Overrides the discovered Microsoft userinfo endpoint (and turns on the userinfo call).',
  },
  MICROSOFT_GRAPH_ENDPOINT: {
    schema: url.optional(),
    doc: 'Microsoft Graph base URL for the groups overage (national clouds, e.g. `https://graph.microsoft.us`).',
    defaultText: 'https://graph.microsoft.com/v1.0',
  },
  MICROSOFT_USER_EMAIL_ATTRIBUTE: attribute('Claim with the email of Microsoft users (default `email`).'),
  MICROSOFT_USER_DISPLAY_NAME_ATTRIBUTE: attribute(
    'Claim with the display name of Microsoft users (default `name`).',
  ),
  MICROSOFT_USER_ID_ATTRIBUTE: attribute('Claim with the stable id of Microsoft users (default `sub`).'),
  MICROSOFT_USER_FIRST_NAME_ATTRIBUTE: attribute(
    'Claim with the first name of Microsoft users (default `given_name`).',
  ),
  MICROSOFT_USER_LAST_NAME_ATTRIBUTE: attribute(
    'Claim with the last name of Microsoft users (default `family_name`).',
  ),
  GITHUB_CLIENT_ID: {
    schema: text.optional(),
    doc: 'GitHub OAuth app client id: creates the `github` connection.',
  },
  GITHUB_CLIENT_SECRET: { schema: text.optional(), secret: true, doc: 'GitHub OAuth app client secret.' },
  GENERIC_CLIENT_ID: {
    schema: text.optional(),
    doc: 'Client id of a generic provider: creates the `generic` connection (LiteLLM).',
  },
  GENERIC_CLIENT_SECRET: {
    schema: text.optional(),
    secret: true,
    doc: 'Client secret of the generic provider.',
  },
  GENERIC_ISSUER: {
    schema: url.optional(),
    doc: 'Issuer (discovery) URL of the generic provider; with it the connection is OpenID Connect (ID token verified), without it OAuth2 with the endpoints below. Not a LiteLLM variable.',
  },
  GENERIC_AUTHORIZATION_ENDPOINT: {
    schema: url.optional(),
    doc: 'Authorization endpoint of the generic provider.',
  },
  GENERIC_TOKEN_ENDPOINT: { schema: url.optional(), doc: 'Token endpoint of the generic provider.' },
  GENERIC_USERINFO_ENDPOINT: {
    schema: url.optional(),
    doc: 'Userinfo endpoint of the generic provider (the profile source of an OAuth2 connection).',
  },
  GENERIC_SCOPE: {
    schema: text.optional(),
    doc: 'Scope requested from the generic provider.',
    defaultText: 'openid email profile',
  },
  GENERIC_CLIENT_STATE: {
    schema: text.optional(),
    doc: 'Accepted for compatibility and ignored: LiteLLM sends this fixed value as `state`; Drawbridge always sends a fresh random state bound to the browser (a fixed state would allow login CSRF). A warning is logged at start.',
  },
  GENERIC_CLIENT_USE_PKCE: {
    schema: booleanText.default(true),
    doc: 'Send PKCE (S256) to the generic provider.',
    defaultText: 'true',
  },
  GENERIC_INCLUDE_CLIENT_ID: {
    schema: booleanText.default(false),
    doc: 'Also send `client_id` in the token request body (providers that want it besides HTTP Basic).',
    defaultText: 'false',
  },
  GENERIC_SSO_HEADERS: {
    schema: z
      .string()
      .transform((v, ctx) => {
        const headers: Record<string, string> = {};
        for (const pair of v
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean)) {
          const i = pair.indexOf('=');
          const name = pair.slice(0, i).trim();
          if (i <= 0 || !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) {
            ctx.addIssue({ code: 'custom', message: 'expected comma-separated key=value pairs' });
            return z.NEVER;
          }
          headers[name] = pair.slice(i + 1).trim();
        }
        return headers;
      })
      .optional(),
    secret: true,
    doc: 'Extra headers sent with every request to the generic provider, as comma-separated `key=value` pairs.',
  },
  GENERIC_USER_ID_ATTRIBUTE: attribute(
    'Claim with the stable user id (default `sub`; LiteLLM defaults to `preferred_username`, which can change).',
  ),
  GENERIC_USER_EMAIL_ATTRIBUTE: attribute('Claim with the email (default `email`).'),
  GENERIC_USER_DISPLAY_NAME_ATTRIBUTE: attribute('Claim with the display name (default `name`).'),
  GENERIC_USER_FIRST_NAME_ATTRIBUTE: attribute('Claim with the first name (default `given_name`).'),
  GENERIC_USER_LAST_NAME_ATTRIBUTE: attribute('Claim with the last name (default `family_name`).'),
  GENERIC_USER_ROLE_ATTRIBUTE: attribute(
    'Claim with the role, checked against the role list (default `role`).',
  ),
  GENERIC_USER_PROVIDER_ATTRIBUTE: attribute(
    'Claim naming the upstream provider; copied into the user attributes under its claim name at every login.',
  ),
  GENERIC_USER_EXTRA_ATTRIBUTES: {
    schema: z
      .string()
      .transform((v) =>
        v
          .split(',')
          .map((a) => a.trim())
          .filter(Boolean),
      )
      .optional(),
    doc: 'Comma-separated claims (dot paths allowed) copied into the user attributes at every login.',
  },
};
