/**
 * Custom sign-in options (LiteLLM's CustomSSOLoginHandler done safely): the built-in
 * trusted-header connection for deployments behind an authenticating proxy, and a
 * CustomSignInHandler module loaded from a path. The routes are in src/sso/custom-sign-in.ts.
 */
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { z } from 'zod';
import { booleanText, commaList } from './values.ts';

const headerName = (fallback: string) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9!#$%&'*+.^_`|~-]{1,64}$/, { message: 'expected an HTTP header name' })
    .default(fallback);

const slug = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'expected an organisation slug' });

export interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** `10.0.0.0/8`, `fd00::/8`, or a bare address (one host); undefined when malformed. */
export function parseCidr(text: string): Cidr | undefined {
  const [address = '', prefixText, ...rest] = text.trim().split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return undefined;
  const max = version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return undefined;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

const cidrList = commaList
  .pipe(
    z.array(
      z
        .string()
        .refine((s) => parseCidr(s) !== undefined, {
          message: 'expected comma-separated CIDRs such as 10.0.0.0/8',
        })
        // A prefix of 0 trusts every address on the Internet: the headers would prove nothing.
        .refine((s) => parseCidr(s)?.prefix !== 0, { message: 'a /0 range would trust every address' }),
    ),
  )
  .default([]);

export const customSignInOptions = {
  TRUSTED_HEADER_ENABLED: {
    schema: booleanText.default(false),
    doc: 'Sign people in from headers set by an authenticating proxy (oauth2-proxy, Pomerium, a corporate gateway) at `GET /api/v1/auth/trusted-header/login/`. The headers are believed only from the proxy addresses in TRUSTED_PROXY_CIDRS; the proxy must remove these headers from what clients send.',
    defaultText: 'false',
  },
  TRUSTED_PROXY_CIDRS: {
    schema: cidrList,
    doc: 'Comma-separated CIDRs (or single addresses) of the authenticating proxy. Checked against the TCP peer address, never against `X-Forwarded-For`. Required when TRUSTED_HEADER_ENABLED is true.',
    defaultText: '(none)',
  },
  TRUSTED_HEADER_EMAIL: {
    schema: headerName('x-forwarded-email'),
    doc: 'Header with the email address of the person the proxy signed in (required in each request).',
    defaultText: 'x-forwarded-email',
  },
  TRUSTED_HEADER_USER: {
    schema: headerName('x-forwarded-user'),
    doc: "Header with the person's stable id at the proxy; when a request lacks it, the email stands in.",
    defaultText: 'x-forwarded-user',
  },
  TRUSTED_HEADER_GROUPS: {
    schema: headerName('x-forwarded-groups'),
    doc: "Header with the person's groups, comma-separated, matched to groups' `externalId` (added and removed at each login, like SSO groups).",
    defaultText: 'x-forwarded-groups',
  },
  TRUSTED_HEADER_NAME: {
    schema: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z0-9!#$%&'*+.^_`|~-]{1,64}$/, { message: 'expected an HTTP header name' })
      .optional(),
    doc: "Header with the person's display name (split into first and last name), e.g. `x-forwarded-preferred-username`.",
  },
  TRUSTED_HEADER_ORGANISATION: {
    schema: slug.optional(),
    doc: 'Slug of the organisation trusted-header users belong to; created at start when missing.',
    defaultText: 'SSO_DEFAULT_ORGANISATION',
  },
  CUSTOM_SIGN_IN_HANDLER: {
    schema: z.string().trim().min(1).optional(),
    doc: 'Path (absolute, or relative to the working directory) of a module whose default export, or export `signIn`, is a `CustomSignInHandler` (see docs/oidc.md). It serves `GET /api/v1/auth/custom/login/`. The file must exist at start.',
  },
  CUSTOM_SIGN_IN_ORGANISATION: {
    schema: slug.optional(),
    doc: 'Slug of the organisation people signed in by CUSTOM_SIGN_IN_HANDLER belong to; created at start when missing.',
    defaultText: 'SSO_DEFAULT_ORGANISATION',
  },
};

/** Problems between these options, found after each option parsed on its own. */
export function customSignInProblems(
  parsed: {
    TRUSTED_HEADER_ENABLED: boolean;
    TRUSTED_PROXY_CIDRS: string[];
    CUSTOM_SIGN_IN_HANDLER?: string | undefined;
  },
  cwd = process.cwd(),
): string[] {
  const problems: string[] = [];
  if (parsed.TRUSTED_HEADER_ENABLED && parsed.TRUSTED_PROXY_CIDRS.length === 0) {
    problems.push(
      'TRUSTED_PROXY_CIDRS: required when TRUSTED_HEADER_ENABLED is true (the addresses of your authenticating proxy)',
    );
  }
  if (parsed.CUSTOM_SIGN_IN_HANDLER && !existsSync(resolve(cwd, parsed.CUSTOM_SIGN_IN_HANDLER))) {
    problems.push(`CUSTOM_SIGN_IN_HANDLER: no file at ${resolve(cwd, parsed.CUSTOM_SIGN_IN_HANDLER)}`);
  }
  return problems;
}
