/**
 * IdP URLs Drawbridge redirects browsers to or fetches must be https on a public host unless
 * DRAWBRIDGE_ALLOW_PRIVATE_IDP_URLS is set (local development, on-premises IdPs, tests).
 * This is the syntactic part: the scheme, localhost names and IP literals in loopback,
 * private, link-local, CGNAT and unique-local ranges. URLs Drawbridge fetches are also checked
 * after DNS resolution where they are fetched.
 */
import { BlockList, isIP } from 'node:net';

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking networks
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and the broadcast address
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  // NAT64 prefixes: a gateway turns 64:ff9b::a00:1 into 10.0.0.1.
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  // 6to4: 2002:7f00:1:: carries 127.0.0.1 to a relay.
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8], // multicast
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

const LOCAL_NAMES = /(^|\.)(localhost|local|internal|localdomain)$/;

/** True when `address` (an IP literal) is loopback, private, link-local or otherwise not public. */
export function isNonPublicAddress(address: string): boolean {
  // IPv4-mapped IPv6 literals (::ffff:7f00:1 is 127.0.0.1) are a classic filter bypass and
  // never a legitimate IdP address: refused whatever IPv4 address they carry.
  if (/^::ffff:/i.test(address)) return true;
  const family = isIP(address);
  if (family === 0) return false;
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Whether an IdP URL is acceptable under the policy. */
export function idpUrlAllowed(url: string, allowPrivate: boolean): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (allowPrivate) return u.protocol === 'https:' || u.protocol === 'http:';
  if (u.protocol !== 'https:') return false;
  const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (LOCAL_NAMES.test(host)) return false;
  return !isNonPublicAddress(host);
}
