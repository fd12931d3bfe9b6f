/**
 * The one configuration schema. Every option is read from an environment variable of the
 * same name or from the YAML file named by DRAWBRIDGE_CONFIG; the environment wins.
 * docs/configuration.md is generated from `options` below (scripts/generate-config-docs.ts).
 */
import { z } from 'zod';

export const DEFAULT_ROLES = ['admin', 'admin_viewer', 'member', 'member_viewer', 'customer'] as const;

import { customSignInOptions } from './custom-sign-in-options.ts';
import { loginPageOptions } from './login-page-options.ts';
import { oidcOptions } from './oidc-options.ts';
import { booleanText, commaList, integer } from './values.ts';

const httpUrl = z
  .string()
  .trim()
  .refine(
    (v) => {
      try {
        const u = new URL(v);
        return (u.protocol === 'http:' || u.protocol === 'https:') && u.search === '' && u.hash === '';
      } catch {
        return false;
      }
    },
    { message: 'expected an http(s) URL without query or fragment, such as https://sso.example.com' },
  )
  .transform((v) => v.replace(/\/+$/, ''));

const roleList = commaList.pipe(
  z
    .array(z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, { message: 'role names are lowercase snake_case' }))
    .min(1)
    .refine((roles) => roles.includes('admin'), { message: 'the role list must include admin' })
    .refine((roles) => new Set(roles).size === roles.length, { message: 'role names must be unique' }),
);

const trustProxy = z
  .union([z.boolean(), z.number(), z.string()])
  .transform((v): boolean | number | string => {
    if (typeof v !== 'string') return v;
    const t = v.trim().toLowerCase();
    if (['true', 'yes', 'on'].includes(t)) return true;
    if (['false', 'no', 'off', ''].includes(t)) return false;
    if (/^\d+$/.test(t)) return Number(t);
    return v.trim();
  });

/** One option: its schema (defaults included) and the sentence the docs print. */
interface Option {
  schema: z.ZodType;
  doc: string;
  defaultText?: string;
  secret?: boolean;
}

export const options = {
  NODE_ENV: {
    schema: z.enum(['development', 'production', 'test']).default('development'),
    doc: 'Deployment mode. In `production`, insecure defaults are refused (DRAWBRIDGE_SECRET must be set).',
    defaultText: 'development',
  },
  PORT: {
    schema: integer(1, 65535).default(8080),
    doc: 'TCP port the HTTP server listens on.',
    defaultText: '8080',
  },
  HOST: {
    schema: z.string().min(1).default('0.0.0.0'),
    doc: 'Address the HTTP server binds to.',
    defaultText: '0.0.0.0',
  },
  BASE_URL: {
    schema: httpUrl.optional(),
    doc: "Public URL of this instance, used to build ACS, callback and metadata URLs and to decide whether cookies are `Secure`. `PROXY_BASE_URL` (LiteLLM's name) is accepted as an alias.",
    defaultText: 'http://localhost:{PORT}',
  },
  DATA_DIR: {
    schema: z.string().min(1).default('./data'),
    doc: 'Directory for the embedded SQLite database (`drawbridge.db`) and the generated secret key.',
    defaultText: './data',
  },
  DATABASE_URL: {
    schema: z
      .string()
      .regex(/^postgres(ql)?:\/\//, { message: 'expected a postgres:// or postgresql:// URL' })
      .optional(),
    doc: 'PostgreSQL connection URL. When unset, the embedded SQLite database in DATA_DIR is used.',
    secret: true,
  },
  DATABASE_POOL_SIZE: {
    schema: integer(1, 200).default(10),
    doc: 'Maximum PostgreSQL connections per instance.',
    defaultText: '10',
  },
  DRAWBRIDGE_SECRET: {
    schema: z
      .string()
      .min(32, { message: 'expected at least 32 characters (for example `openssl rand -base64 32`)' })
      .optional(),
    doc: 'Master key for secrets at rest (client secrets, SP private keys). When unset outside production, one is generated into DATA_DIR/secret.key with a warning; in production it is required.',
    secret: true,
  },
  DRAWBRIDGE_ADMIN_KEY: {
    schema: z.string().min(16, { message: 'expected at least 16 characters' }).optional(),
    doc: "An instance-admin API key accepted in `Authorization: Api-Key <key>` when set (like LiteLLM's master key).",
    secret: true,
  },
  TRUST_PROXY: {
    schema: trustProxy.default(false),
    doc: 'Whom to believe about the client address in `X-Forwarded-For`: `false` (nobody), a comma-separated list of proxy addresses/CIDRs, or a hop count (the proxies in front). `true` believes every entry, so a client can choose its own address when the proxy appends to the header (a warning is logged at start); prefer the addresses or the count.',
    defaultText: 'false',
  },
  LOG_LEVEL: {
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    doc: 'Minimum level of the JSON logs written to stdout.',
    defaultText: 'info',
  },
  SESSION_COOKIE_NAME: {
    schema: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, { message: 'expected letters, digits, _ or -' })
      .default('drawbridge_session'),
    doc: 'Name of the session cookie. A `__Host-` name (e.g. `__Host-drawbridge`) pins it to this exact host over https; it needs an https `BASE_URL`.',
    defaultText: 'drawbridge_session',
  },
  SESSION_IDLE_TIMEOUT_SECONDS: {
    schema: integer(60, 31_536_000).default(43_200),
    doc: 'Sliding expiry: a session unused for this long ends.',
    defaultText: '43200 (12 hours)',
  },
  SESSION_ABSOLUTE_TIMEOUT_SECONDS: {
    schema: integer(60, 31_536_000).default(604_800),
    doc: 'Absolute expiry: a session ends this long after login, however active.',
    defaultText: '604800 (7 days)',
  },
  ROLES: {
    schema: roleList.default([...DEFAULT_ROLES]),
    doc: "Comma-separated role list (must include `admin`). LiteLLM's names are accepted as aliases wherever a role is read: `proxy_admin`, `proxy_admin_viewer`, `internal_user`, `internal_user_viewer`.",
    defaultText: DEFAULT_ROLES.join(','),
  },
  PASSWORD_LOGIN_ENABLED: {
    schema: booleanText.default(true),
    doc: 'Whether `POST /api/v1/auth/login` accepts email and password. When false, only instance admins may still sign in by password (break-glass: logged at warn level and recorded as an audit event); everyone else gets `password_login_disabled`.',
    defaultText: 'true',
  },
  SSO_SINGLE_ORGANISATION: {
    schema: booleanText.default(true),
    doc: "An SSO user may belong to one organisation only (Flagsmith's rule): a login through one organisation's IdP by a person who belongs to another organisation is refused with `identity_multiple_organisations`.",
    defaultText: 'true',
  },
  SAML_FORCE_SSL: {
    schema: booleanText.default(false),
    doc: 'Build SAML ACS and metadata URLs with https and check responses against them, whatever `BASE_URL` or `X-Forwarded-Proto` say (for TLS terminated in front of Drawbridge).',
    defaultText: 'false',
  },
  EXTRA_ALLOWED_CANONICALIZATIONS: {
    schema: commaList
      .default([])
      .pipe(
        z.array(
          z.string().regex(/^(https?:\/\/|urn:)\S+$/, { message: 'expected comma-separated algorithm URIs' }),
        ),
      ),
    doc: 'Comma-separated canonicalization algorithm URIs accepted in SAML signatures besides exclusive c14n and c14n 1.0 without comments (as Flagsmith documents), for example `http://www.w3.org/2001/10/xml-exc-c14n#WithComments`.',
    defaultText: '(none)',
  },
  SAML_CLOCK_SKEW_SECONDS: {
    schema: integer(0, 600).default(60),
    doc: 'Clock skew tolerated when checking SAML NotBefore/NotOnOrAfter.',
    defaultText: '60',
  },
  SAML_ACS_RATE_LIMIT_PER_MINUTE: {
    schema: integer(1, 1_000_000).default(120),
    doc: "How many SAML responses one client address may post to one configuration's ACS per minute on each instance; more are answered 429 `rate_limited` before any parsing, so a flood of forged responses costs almost nothing.",
    defaultText: '120',
  },
  OIDC_CALLBACK_RATE_LIMIT_PER_MINUTE: {
    schema: integer(1, 1_000_000).default(120),
    doc: "How many requests one client address may send to one OIDC configuration's callback per minute on each instance; more are answered 429 `rate_limited` before the pending login is read or the provider is asked, so they create no session, use up no login and write no trace.",
    defaultText: '120',
  },
  SSO_LOGIN_START_RATE_LIMIT_PER_MINUTE: {
    schema: integer(1, 1_000_000).default(120),
    doc: 'How many SSO logins one client address may start per minute on each instance, SAML and OIDC and all configurations together (each start stores a pending login); more are answered 429 `rate_limited` before anything is read or stored.',
    defaultText: '120',
  },
  CUSTOM_SIGN_IN_RATE_LIMIT_PER_MINUTE: {
    schema: integer(1, 1_000_000).default(120),
    doc: 'How many trusted-header sign-ins, and how many custom-handler sign-ins, one client address may attempt per minute on each instance; more are answered 429 `rate_limited` before the handler runs or a trace is written. Behind an authenticating proxy every sign-in comes from the proxy unless `TRUST_PROXY` names it.',
    defaultText: '120',
  },
  SAML_DEFAULT_CONFIGURATION: {
    schema: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, { message: 'expected a SAML configuration name' })
      .optional(),
    doc: "Name of the SAML configuration the login page uses without asking for one (Flagsmith's `sso_idp`).",
  },
  DRAWBRIDGE_ALLOW_PRIVATE_IDP_URLS: {
    schema: booleanText.default(false),
    doc: 'Allow IdP URLs that are http or resolve to loopback, link-local or private addresses (local development, on-premises IdPs, test suites).',
    defaultText: 'false',
  },
  PASSWORD_MIN_LENGTH: {
    schema: integer(8, 64).default(12),
    doc: 'Fewest characters (Unicode code points) a new password may have (NIST SP 800-63B; at most 256 are accepted). Passwords on the bundled list of common passwords, or equal to the email address or its local part, are refused whatever their length.',
    defaultText: '12',
  },
  LOGIN_FREE_FAILURES_PER_ACCOUNT: {
    schema: integer(1, 100).default(5),
    doc: 'Failed password sign-ins for one email address before each further attempt must wait (1 s, then doubling up to LOGIN_MAX_DELAY_SECONDS); counted in the database, so across all instances.',
    defaultText: '5',
  },
  LOGIN_FREE_FAILURES_PER_IP: {
    schema: integer(1, 100_000).default(50),
    doc: 'Failed password sign-ins from one client address (any email) before each further attempt from it must wait, as above.',
    defaultText: '50',
  },
  LOGIN_MAX_DELAY_SECONDS: {
    schema: integer(1, 86_400).default(900),
    doc: 'Longest wait imposed between failed sign-ins of one account or client address; refused attempts get 429 `rate_limited` with `Retry-After`.',
    defaultText: '900 (15 minutes)',
  },
  LOGIN_FAILURE_MEMORY_SECONDS: {
    schema: integer(60, 2_592_000).default(86_400),
    doc: 'A failure counter is forgotten this long after its last failure; a successful sign-in clears the account counter at once.',
    defaultText: '86400 (1 day)',
  },
  INVITATION_TTL_SECONDS: {
    schema: integer(300, 2_592_000).default(604_800),
    doc: 'How long an invitation link stays usable.',
    defaultText: '604800 (7 days)',
  },
  PASSWORD_RESET_TTL_SECONDS: {
    schema: integer(300, 604_800).default(3_600),
    doc: 'How long a password-reset link stays usable.',
    defaultText: '3600 (1 hour)',
  },
  SMTP_HOST: {
    schema: z.string().trim().min(1).optional(),
    doc: 'SMTP server for invitation and password-reset emails (sent with nodemailer). When unset, no email is sent and the API returns the links to the admin instead.',
  },
  SMTP_PORT: {
    schema: integer(1, 65535).default(587),
    doc: 'SMTP server port.',
    defaultText: '587',
  },
  SMTP_SECURE: {
    schema: booleanText.default(false),
    doc: 'Use TLS from the first byte (port 465). When false, STARTTLS is used if the server offers it.',
    defaultText: 'false',
  },
  SMTP_USER: {
    schema: z.string().min(1).optional(),
    doc: 'SMTP user name, when the server needs authentication.',
  },
  SMTP_PASSWORD: {
    schema: z.string().min(1).optional(),
    doc: 'SMTP password.',
    secret: true,
  },
  SMTP_FROM: {
    schema: z.string().trim().min(3).default('Drawbridge <drawbridge@localhost>'),
    doc: 'Sender of the emails Drawbridge sends.',
    defaultText: 'Drawbridge <drawbridge@localhost>',
  },
  DNS_RESOLVERS: {
    schema: commaList.default([]).pipe(
      z.array(
        z.string().regex(/^(\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?|\[[0-9a-fA-F:]+\](:\d{1,5})?|[0-9a-fA-F:]+)$/, {
          message: 'expected comma-separated IP addresses, each with an optional :port',
        }),
      ),
    ),
    doc: 'DNS servers that email-domain verification asks for the `drawbridge-verification=<token>` TXT record, as comma-separated `address[:port]` (for example `1.1.1.1,[2606:4700::1111]:53`). When empty, the system resolvers are used.',
    defaultText: '(system resolvers)',
  },
  ...oidcOptions,
  ...loginPageOptions,
  ...customSignInOptions,
} satisfies Record<string, Option>;

export type OptionName = keyof typeof options;

const shape = Object.fromEntries(Object.entries(options).map(([k, o]) => [k, o.schema])) as {
  [K in OptionName]: (typeof options)[K]['schema'];
};

export const configSchema = z.strictObject(shape);

type Parsed = z.output<typeof configSchema>;

/** The checked configuration the rest of the program receives. */
export type Config = Omit<Parsed, 'BASE_URL'> & { BASE_URL: string };
