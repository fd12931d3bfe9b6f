/**
 * TXT look-ups for email-domain verification, through node:dns with the servers of
 * DNS_RESOLVERS (the system's when empty). One try, a few seconds: an admin is waiting.
 */
import { Resolver } from 'node:dns/promises';

export type TxtLookup = (name: string) => Promise<string[]>;

export class DnsLookupError extends Error {
  override name = 'DnsLookupError';
  readonly dnsCode: string;
  constructor(dnsCode: string, message: string) {
    super(message);
    this.dnsCode = dnsCode;
  }
}

/** Each TXT record of `name` as one string (its character-strings joined, RFC 7208 §3.3 style). */
export function createTxtLookup(servers: readonly string[], timeoutMs = 3000): TxtLookup {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
  if (servers.length > 0) resolver.setServers([...servers]);
  return async (name) => {
    try {
      return (await resolver.resolveTxt(name)).map((chunks) => chunks.join(''));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
      // No such name or no TXT record: simply nothing found.
      if (code === 'ENOTFOUND' || code === 'ENODATA') return [];
      throw new DnsLookupError(code, `DNS lookup of ${name} failed (${code})`);
    }
  };
}
