/**
 * The trusted-header connection: a person whom an authenticating proxy (oauth2-proxy,
 * Pomerium, a corporate gateway) already signed in, named by the proxy's headers. The
 * headers are believed only when the TCP peer is the proxy: anyone else can send them.
 */
import { BlockList, isIP } from 'node:net';
import { parseCidr } from '../config/custom-sign-in-options.ts';
import type { Config } from '../config/schema.ts';
import type { ExternalIdentityInput } from './custom-sign-in.ts';
import { CustomSignInError } from './custom-sign-in-errors.ts';

export type HeaderBag = Readonly<Record<string, string | string[] | undefined>>;

/** The proxies' addresses as a BlockList (used here as an allow list). */
export function trustedProxies(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const text of cidrs) {
    const c = parseCidr(text);
    if (c) list.addSubnet(c.address, c.prefix, c.family);
  }
  return list;
}

/**
 * Whether the TCP peer is a trusted proxy. Only the socket's address counts: X-Forwarded-For
 * and Fastify's request.ip (which follows TRUST_PROXY) are what a client could forge.
 */
export function isTrustedPeer(proxies: BlockList, peer: string | undefined): boolean {
  if (!peer) return false;
  // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d; the configured CIDRs say a.b.c.d.
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(peer);
  const address = mapped ? mapped[1]! : peer;
  const family = isIP(address);
  if (family === 0) return false;
  try {
    return proxies.check(address, family === 4 ? 'ipv4' : 'ipv6');
  } catch {
    return false;
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
/** Characters Node never reads from header bytes (they came from an in-process caller). */
const WIDE = /[\u0100-\uffff]/;
const EMAIL = /^[^\s@,;<>"()[\]\\]{1,64}@[^\s@,;<>"()[\]\\]{1,253}$/;

/**
 * One header's value as text. Node reads header bytes as Latin-1; proxies send UTF-8 names
 * (`José`), so valid UTF-8 is decoded as such.
 */
function headerText(headers: HeaderBag, name: string): string | undefined {
  const raw = headers[name];
  const value = Array.isArray(raw) ? raw.join(',') : raw;
  if (value === undefined) return undefined;
  // Lone surrogates cannot come off the wire, but a value that holds them must not reach storage.
  if (CONTROL.test(value) || !value.isWellFormed()) {
    throw new CustomSignInError(
      'trusted_header_invalid',
      `The ${name} header holds control or invalid characters`,
    );
  }
  const utf8 = !WIDE.test(value) ? Buffer.from(value, 'latin1').toString('utf8') : value;
  const text = (utf8.includes('\uFFFD') ? value : utf8).trim();
  return text === '' ? undefined : text;
}

function bounded(name: string, value: string | undefined, max: number): string | undefined {
  if (value !== undefined && value.length > max) {
    throw new CustomSignInError(
      'trusted_header_invalid',
      `The ${name} header is longer than ${max} characters`,
    );
  }
  return value;
}

export interface TrustedHeaderNames {
  email: string;
  user: string;
  groups: string;
  name: string | undefined;
}

export function trustedHeaderNames(
  config: Pick<
    Config,
    'TRUSTED_HEADER_EMAIL' | 'TRUSTED_HEADER_USER' | 'TRUSTED_HEADER_GROUPS' | 'TRUSTED_HEADER_NAME'
  >,
): TrustedHeaderNames {
  return {
    email: config.TRUSTED_HEADER_EMAIL,
    user: config.TRUSTED_HEADER_USER,
    groups: config.TRUSTED_HEADER_GROUPS,
    name: config.TRUSTED_HEADER_NAME,
  };
}

/**
 * The person the proxy names. The email header is required; the user header is the stable
 * subject (the email stands in when a proxy sends none); groups are comma-separated.
 * Throws CustomSignInError `trusted_header_missing` or `trusted_header_invalid`.
 */
export function identityFromHeaders(headers: HeaderBag, names: TrustedHeaderNames): ExternalIdentityInput {
  const email = bounded(names.email, headerText(headers, names.email), 254);
  if (email === undefined) {
    throw new CustomSignInError('trusted_header_missing', `The proxy sent no ${names.email} header`);
  }
  if (!EMAIL.test(email)) {
    throw new CustomSignInError(
      'trusted_header_invalid',
      `The ${names.email} header is not one email address`,
    );
  }
  const subject = bounded(names.user, headerText(headers, names.user), 255) ?? email.toLowerCase();
  const groupsText = bounded(names.groups, headerText(headers, names.groups), 64 * 1024);
  const groups =
    groupsText === undefined
      ? null
      : [...new Set(groupsText.split(',').map((g) => g.trim()))]
          .filter((g) => g !== '' && g.length <= 256)
          .slice(0, 1000);
  const displayName = names.name ? bounded(names.name, headerText(headers, names.name), 512) : undefined;
  const [first, ...rest] = displayName ? displayName.split(/\s+/) : [];
  return {
    subject,
    email,
    // The operator configured this proxy as the authority on who is signing in: its word on
    // the address is the proxy's sign-in itself (docs/decisions.md).
    emailVerified: true,
    firstName: first ?? null,
    lastName: rest.length > 0 ? rest.join(' ') : null,
    displayName: displayName ?? null,
    groups,
    role: null,
  };
}
