/**
 * Every request Drawbridge makes to an identity provider (discovery, JWKS, token, userinfo,
 * Graph, GitHub) goes through here: the IdP URL policy (https and public addresses unless
 * DRAWBRIDGE_ALLOW_PRIVATE_IDP_URLS; the host is resolved and every address checked), a
 * timeout and a response size cap, so a slow or huge answer fails cleanly (attacks.md O-DISC-1/2).
 * The address is checked at lookup time; a DNS answer that changes between the check and the
 * connection is not caught (documented in docs/decisions.md).
 */
import { lookup } from 'node:dns/promises';
import { idpUrlAllowed, isNonPublicAddress } from './idp-url-policy.ts';

export const OUTBOUND_ERROR_CODES = [
  'idp_url_not_allowed',
  'idp_unreachable',
  'idp_response_too_large',
] as const;
export type OutboundErrorCode = (typeof OUTBOUND_ERROR_CODES)[number];

export class OutboundError extends Error {
  override name = 'OutboundError';
  readonly code: OutboundErrorCode;
  constructor(code: OutboundErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export type Transport = (url: string, init: RequestInit) => Promise<Response>;

export interface OutboundPolicy {
  allowPrivate: boolean;
  timeoutMs: number;
  maxBytes: number;
  /** The network itself; tests route remote SaaS hosts (Graph, GitHub) to loopback fakes here. */
  transport?: Transport;
}

export type OutboundFetch = (url: string, init?: RequestInit) => Promise<Response>;

async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > maxBytes)
    throw new OutboundError('idp_response_too_large', 'The IdP answered with too much data');
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (response.body) {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > maxBytes)
        throw new OutboundError('idp_response_too_large', 'The IdP answered with too much data');
      chunks.push(chunk);
    }
  }
  return Buffer.concat(chunks);
}

/** A fetch bound to the policy, adding `headers` (a connection's extra headers) to every request. */
export function outboundFetch(policy: OutboundPolicy, headers: Record<string, string> = {}): OutboundFetch {
  const transport: Transport = policy.transport ?? ((url, init) => fetch(url, init));
  return async (url, init = {}) => {
    if (!idpUrlAllowed(url, policy.allowPrivate))
      throw new OutboundError('idp_url_not_allowed', `IdP URL ${url} must be https on a public host`);
    if (!policy.allowPrivate) {
      const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
      const addresses = await lookup(host, { all: true }).catch(() => {
        throw new OutboundError('idp_unreachable', `The IdP host ${host} does not resolve`);
      });
      if (addresses.some((a) => isNonPublicAddress(a.address)))
        throw new OutboundError('idp_url_not_allowed', `The IdP host ${host} resolves to a private address`);
    }
    const merged = new Headers(init.headers);
    for (const [k, v] of Object.entries(headers)) if (!merged.has(k)) merged.set(k, v);
    const timeout = AbortSignal.timeout(policy.timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await transport(url, { ...init, headers: merged, signal, redirect: 'manual' });
    } catch (err) {
      if (err instanceof OutboundError) throw err;
      throw new OutboundError('idp_unreachable', `The IdP at ${new URL(url).host} could not be reached`);
    }
    let body: Uint8Array;
    try {
      body = await readCapped(response, policy.maxBytes);
    } catch (err) {
      if (err instanceof OutboundError) throw err;
      throw new OutboundError('idp_unreachable', `The IdP at ${new URL(url).host} broke off its answer`);
    }
    const noBody = response.status === 204 || response.status === 304;
    return new Response(noBody ? null : body, { status: response.status, headers: response.headers });
  };
}
