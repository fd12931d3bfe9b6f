/**
 * Every request Drawbridge makes to an identity provider (discovery, JWKS, token, userinfo,
 * Graph, GitHub) goes through here: the IdP URL policy (https and public addresses unless
 * DRAWBRIDGE_ALLOW_PRIVATE_IDP_URLS; the host is resolved and every address checked), a
 * timeout and a response size cap, so a slow or huge answer fails cleanly (attacks.md O-DISC-1/2).
 * The network is src/sso/idp-http-transport.ts, which checks the addresses inside the socket's
 * own lookup, so the connection goes to the address that was checked (no DNS rebinding).
 */
import { lookup } from 'node:dns/promises';
import { httpTransport } from './idp-http-transport.ts';
import { idpUrlAllowed, isNonPublicAddress } from './idp-url-policy.ts';
import { OutboundError, type Transport } from './outbound-errors.ts';

export {
  OUTBOUND_ERROR_CODES,
  OutboundError,
  type OutboundErrorCode,
  type Transport,
} from './outbound-errors.ts';

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

/**
 * A transport given in the policy (the tests' stand-ins for remote SaaS APIs) gets the same
 * policy from outside: the address check before the request, a deadline and the size cap.
 */
function policed(policy: OutboundPolicy, transport: Transport): Transport {
  return async (url, init) => {
    if (!policy.allowPrivate) {
      const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
      const addresses = await lookup(host, { all: true }).catch(() => {
        throw new OutboundError('idp_unreachable', `The IdP host ${host} does not resolve`);
      });
      if (addresses.some((a) => isNonPublicAddress(a.address)))
        throw new OutboundError('idp_url_not_allowed', `The IdP host ${host} resolves to a private address`);
    }
    const timeout = AbortSignal.timeout(policy.timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    const response = await transport(url, { ...init, signal, redirect: 'manual' });
    const body = await readCapped(response, policy.maxBytes);
    const noBody = response.status === 204 || response.status === 304;
    return new Response(noBody ? null : body, { status: response.status, headers: response.headers });
  };
}

/** A fetch bound to the policy, adding `headers` (a connection's extra headers) to every request. */
export function outboundFetch(policy: OutboundPolicy, headers: Record<string, string> = {}): OutboundFetch {
  const transport = policy.transport ? policed(policy, policy.transport) : httpTransport(policy);
  const extra = Object.entries(headers);
  return async (url, init = {}) => {
    if (!idpUrlAllowed(url, policy.allowPrivate))
      throw new OutboundError('idp_url_not_allowed', `IdP URL ${url} must be https on a public host`);
    let request = init;
    if (extra.length > 0) {
      const merged = new Headers(init.headers);
      for (const [k, v] of extra) if (!merged.has(k)) merged.set(k, v);
      request = { ...init, headers: merged };
    }
    try {
      return await transport(url, request);
    } catch (err) {
      if (err instanceof OutboundError) throw err;
      throw new OutboundError('idp_unreachable', `The IdP at ${new URL(url).host} could not be reached`);
    }
  };
}
