/**
 * The network under src/sso/outbound-fetch.ts: node:http and node:https with keep-alive, answering
 * with a WHATWG Response because openid-client reads one.
 *
 * Two reasons not to use the global fetch here:
 * - The address check belongs to the connection. The host is resolved once, inside the socket's
 *   own lookup; every address is checked, and the socket connects to the checked address. A DNS
 *   answer that changes between a separate check and the connect (DNS rebinding) cannot slip a
 *   private address in, and there is no second lookup.
 * - Cost. A token request through fetch (Request and Headers objects, web streams, abort signals,
 *   then a second Response) took about twice the CPU of this path in a side-by-side measurement
 *   (docs/performance.md, OIDC notes), and every login makes one.
 *
 * Redirects are never followed (a 3xx is just an answer), the answer is read up to the cap, and
 * one deadline covers connecting, sending and reading.
 */
import { lookup as dnsLookup } from 'node:dns';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { rootCertificates as nodeRoots } from 'node:tls';
import { isNonPublicAddress } from './idp-url-policy.ts';
import { OutboundError, type Transport } from './outbound-errors.ts';

/** What `dns.lookup(host, { all: true })` answers; injectable for tests. */
export type Resolve = (
  host: string,
  done: (err: NodeJS.ErrnoException | null, addresses: Array<{ address: string; family: number }>) => void,
) => void;

const systemResolve: Resolve = (host, done) => dnsLookup(host, { all: true }, done);

/**
 * The socket's lookup: resolve the host once and, unless private addresses are allowed, refuse
 * the connection when any address is not public (an IdP with one private address among public
 * ones is misconfigured or an attack; either way nothing is sent to it).
 */
export function checkedLookup(allowPrivate: boolean, resolve: Resolve = systemResolve): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, (err, addresses) => {
      if (err || addresses.length === 0) {
        callback(new OutboundError('idp_unreachable', `The IdP host ${hostname} does not resolve`), '', 4);
        return;
      }
      if (!allowPrivate && addresses.some((a) => isNonPublicAddress(a.address))) {
        callback(
          new OutboundError('idp_url_not_allowed', `The IdP host ${hostname} resolves to a private address`),
          '',
          4,
        );
        return;
      }
      const usable = options.family ? addresses.filter((a) => a.family === options.family) : addresses;
      if (usable.length === 0) {
        callback(new OutboundError('idp_unreachable', `The IdP host ${hostname} does not resolve`), '', 4);
        return;
      }
      if (options.all) callback(null, usable);
      else callback(null, usable[0]!.address, usable[0]!.family);
    });
  };
}

function bodyOf(body: RequestInit['body']): { bytes: Buffer | null; type: string | null } | undefined {
  if (body === undefined || body === null) return { bytes: null, type: null };
  if (typeof body === 'string') return { bytes: Buffer.from(body), type: 'text/plain;charset=UTF-8' };
  if (body instanceof URLSearchParams)
    return { bytes: Buffer.from(body.toString()), type: 'application/x-www-form-urlencoded;charset=UTF-8' };
  if (body instanceof Uint8Array) return { bytes: Buffer.from(body), type: null };
  if (body instanceof ArrayBuffer) return { bytes: Buffer.from(body), type: null };
  return undefined;
}

/**
 * The request's headers as node:http takes them, names in lower case (as a WHATWG Headers
 * object would give them, with repeated names joined by ", "), without building a Headers
 * object: openid-client hands one over, and copying it through another cost more than the
 * rest of building the request.
 */
export function plainHeaders(given: RequestInit['headers']): Record<string, string> {
  const plain: Record<string, string> = Object.create(null);
  const add = (name: string, value: string) => {
    const key = name.toLowerCase();
    const earlier = plain[key];
    plain[key] = earlier === undefined ? value : `${earlier}, ${value}`;
  };
  if (given instanceof Headers) for (const [name, value] of given) add(name, value);
  else if (Array.isArray(given)) for (const [name, value] of given) add(name!, value!);
  else if (given)
    for (const [name, value] of Object.entries(given)) {
      if (value !== undefined) add(name, Array.isArray(value) ? value.join(', ') : String(value));
    }
  return plain;
}

/** Node's bundled roots: a `ca` option replaces them, so extra authorities are added to them. */
function tlsRootCertificates(): string[] {
  return [...nodeRoots];
}

export interface HttpTransportOptions {
  allowPrivate: boolean;
  timeoutMs: number;
  maxBytes: number;
  resolve?: Resolve;
  /** Certificate authorities trusted besides Node's own (PEM), e.g. a test's or a private PKI's. */
  ca?: string[];
}

/** A transport with its own keep-alive connections (one pool per policy: never shared across policies). */
export function httpTransport(options: HttpTransportOptions): Transport {
  const lookup = checkedLookup(options.allowPrivate, options.resolve);
  const agents = {
    'http:': new HttpAgent({ keepAlive: true, lookup }),
    'https:': new HttpsAgent({
      keepAlive: true,
      lookup,
      ...(options.ca ? { ca: [...tlsRootCertificates(), ...options.ca] } : {}),
    }),
  };

  function once(
    u: URL,
    init: RequestInit,
    payload: Buffer | null,
    headers: Record<string, string>,
  ): Promise<Response> {
    const secure = u.protocol === 'https:';
    return new Promise<Response>((resolve, reject) => {
      let settled = false;
      const fail = (err: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        init.signal?.removeEventListener('abort', abort);
        req.destroy();
        reject(err);
      };
      const abort = () =>
        fail(new OutboundError('idp_unreachable', `The request to ${u.host} was cancelled`));
      const timer = setTimeout(
        () => fail(new OutboundError('idp_unreachable', `The IdP at ${u.host} did not answer in time`)),
        options.timeoutMs,
      );
      const req = (secure ? httpsRequest : httpRequest)(
        u,
        {
          method: init.method ?? 'GET',
          agent: agents[secure ? 'https:' : 'http:'],
          headers,
        },
        (res: IncomingMessage) => {
          const declared = Number(res.headers['content-length'] ?? '0');
          if (declared > options.maxBytes) {
            fail(new OutboundError('idp_response_too_large', 'The IdP answered with too much data'));
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.byteLength;
            if (size > options.maxBytes) {
              fail(new OutboundError('idp_response_too_large', 'The IdP answered with too much data'));
              return;
            }
            chunks.push(chunk);
          });
          res.on('error', (err) => fail(err));
          res.on('end', () => {
            if (settled) return;
            const status = res.statusCode ?? 0;
            if (status < 200 || status > 599) {
              fail(
                new OutboundError('idp_unreachable', `The IdP at ${u.host} answered with status ${status}`),
              );
              return;
            }
            settled = true;
            clearTimeout(timer);
            init.signal?.removeEventListener('abort', abort);
            const answerHeaders = new Headers();
            const raw = res.rawHeaders;
            for (let i = 0; i + 1 < raw.length; i += 2) answerHeaders.append(raw[i]!, raw[i + 1]!);
            const noBody = status === 204 || status === 304;
            resolve(new Response(noBody ? null : Buffer.concat(chunks), { status, headers: answerHeaders }));
          });
        },
      );
      // Whether the error happened on a kept-alive connection (the caller may retry once).
      req.on('error', (err) => fail(Object.assign(err, { reusedSocket: req.reusedSocket })));
      if (init.signal?.aborted) return abort();
      init.signal?.addEventListener('abort', abort, { once: true });
      req.end(payload ?? undefined);
    });
  }

  return async (url, init) => {
    const u = new URL(url);
    const body = bodyOf(init.body);
    // Bodies this path does not know (streams, FormData, Blob) are never sent to IdPs by
    // Drawbridge; refuse rather than send something else.
    if (!body) throw new OutboundError('idp_unreachable', 'Unsupported request body for an IdP request');
    const headers = plainHeaders(init.headers);
    if (body.type && headers['content-type'] === undefined) headers['content-type'] = body.type;
    if (body.bytes) headers['content-length'] = String(body.bytes.byteLength);
    // Without Accept-Encoding any coding is acceptable (RFC 9110 §12.5.3); ask for none, since
    // nothing here decompresses.
    headers['accept-encoding'] = 'identity';
    headers['user-agent'] ??= 'Drawbridge';
    headers.accept ??= '*/*';
    try {
      return await once(u, init, body.bytes, headers);
    } catch (err) {
      // A kept-alive connection the IdP had just closed: try once more on a new one. Sending
      // twice is harmless here: a token request's code is single-use, so a repeat is refused.
      const e = err as NodeJS.ErrnoException & { reusedSocket?: boolean };
      if (e.reusedSocket && (e.code === 'ECONNRESET' || e.code === 'EPIPE'))
        return once(u, init, body.bytes, headers);
      throw err;
    }
  };
}
