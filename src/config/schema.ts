/**
 * The one configuration schema. Every option is read from an environment variable of the
 * same name or from the YAML file named by DRAWBRIDGE_CONFIG; the environment wins.
 * docs/configuration.md is generated from `options` below (scripts/generate-config-docs.ts).
 */
import { z } from 'zod';

export const DEFAULT_ROLES = ['admin', 'admin_viewer', 'member', 'member_viewer', 'customer'] as const;

const booleanText = z.union([
  z.boolean(),
  z
    .string()
    .trim()
    .toLowerCase()
    .refine((v) => ['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'].includes(v), {
      message: 'expected true or false',
    })
    .transform((v) => ['true', '1', 'yes', 'on'].includes(v)),
]);

const integer = (min: number, max: number) =>
  z.coerce
    .number({ message: 'expected a whole number' })
    .int({ message: 'expected a whole number' })
    .min(min, { message: `expected a whole number from ${min} to ${max}` })
    .max(max, { message: `expected a whole number from ${min} to ${max}` });

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

const roleList = z
  .union([z.array(z.string()), z.string()])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((r) => r.trim()).filter((r) => r !== ''))
  .pipe(
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
    doc: 'Whether to trust `X-Forwarded-*` headers: `true`, `false`, a hop count, or a comma-separated list of proxy addresses/CIDRs.',
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
    doc: 'Name of the session cookie.',
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
    doc: 'Whether `POST /api/v1/auth/login` accepts email and password.',
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
    schema: z
      .union([z.array(z.string()), z.string()])
      .default([])
      .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter((s) => s !== ''))
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
} satisfies Record<string, Option>;

export type OptionName = keyof typeof options;

const shape = Object.fromEntries(Object.entries(options).map(([k, o]) => [k, o.schema])) as {
  [K in OptionName]: (typeof options)[K]['schema'];
};

export const configSchema = z.strictObject(shape);

type Parsed = z.output<typeof configSchema>;

/** The checked configuration the rest of the program receives. */
export type Config = Omit<Parsed, 'BASE_URL'> & { BASE_URL: string };
