/**
 * The OpenID Provider of the OIDC benchmark, stubbed at the socket: a node:http server in the
 * benchmark process that serves a discovery document, the JWKS and a token endpoint answering
 * at once with an ID token signed beforehand for that code. No login pages: the benchmark reads
 * state, nonce and the PKCE challenge from Drawbridge's authorization URL and makes up the code.
 *
 * The token endpoint still checks what a provider must (client authentication, grant type,
 * redirect_uri, the PKCE verifier against the challenge, one use per code), so a Drawbridge that
 * sent a wrong request would fail the run, and it records how long it held each token request
 * (from the request's last byte until its answer is written to the socket) so that time can be
 * shown apart.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface PreparedCode {
  /** The token endpoint's whole answer (JSON), serialised beforehand. */
  answer: Buffer;
  /** S256 challenge from the authorization request; the verifier must hash to it. */
  codeChallenge: string;
  redirectUri: string;
}

export interface StubOp {
  issuer: string;
  port: number;
  /** Codes the token endpoint will redeem, each once. */
  codes: Map<string, PreparedCode>;
  /** Milliseconds the stub held each token request, by code. */
  tokenMs: Map<string, number>;
  /** Requests that were refused (anything but a good token request, discovery or JWKS). */
  refused: { count: number; first?: string };
  counts: { discovery: number; jwks: number; token: number };
  close(): Promise<void>;
}

export interface StubOptions {
  clientId: string;
  clientSecret: string;
  /** Public JWKS (the private parts removed). */
  jwks: { keys: object[] };
  /** Algorithms the discovery document advertises for ID tokens. */
  idTokenAlgs: string[];
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': text.length,
    'cache-control': 'no-store',
  });
  res.end(text);
}

export async function startStubOp(options: StubOptions): Promise<StubOp> {
  const codes = new Map<string, PreparedCode>();
  const tokenMs = new Map<string, number>();
  const refused: StubOp['refused'] = { count: 0 };
  const counts = { discovery: 0, jwks: 0, token: 0 };
  // RFC 6749 §2.3.1: both halves form-urlencoded before base64.
  const formDecode = (s: string) => decodeURIComponent(s.replaceAll('+', ' '));
  const authenticated = (header: string | undefined) => {
    if (!header?.startsWith('Basic ')) return false;
    const pair = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const i = pair.indexOf(':');
    return (
      i > 0 &&
      formDecode(pair.slice(0, i)) === options.clientId &&
      formDecode(pair.slice(i + 1)) === options.clientSecret
    );
  };
  let issuer = '';
  const jwksBody = Buffer.from(JSON.stringify(options.jwks));

  const refuse = (res: ServerResponse, why: string) => {
    refused.count++;
    refused.first ??= why;
    json(res, 400, { error: 'invalid_request', error_description: why });
  };

  const token = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      // From the request's last byte: until then the client (Drawbridge) is still sending.
      const t0 = performance.now();
      counts.token++;
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const code = form.get('code') ?? '';
      const prepared = codes.get(code);
      if (!prepared) return refuse(res, `token: unknown or used code ${code.slice(0, 12)}`);
      codes.delete(code);
      if (!authenticated(req.headers.authorization)) return refuse(res, 'token: wrong client authentication');
      if (form.get('grant_type') !== 'authorization_code') return refuse(res, 'token: wrong grant_type');
      if (form.get('redirect_uri') !== prepared.redirectUri) return refuse(res, 'token: wrong redirect_uri');
      const verifier = form.get('code_verifier') ?? '';
      if (createHash('sha256').update(verifier).digest('base64url') !== prepared.codeChallenge)
        return refuse(res, 'token: PKCE verifier does not match the challenge');
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': prepared.answer.length,
        'cache-control': 'no-store',
        // For bench/oidc/round-trip-timing.mjs in the server: which callback this answer is for.
        'x-bench-callback': code,
      });
      res.end(prepared.answer);
      // The answer is in the socket (or queued for it): the rest is the kernel's and the client's.
      tokenMs.set(code, performance.now() - t0);
    });
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?', 1)[0];
    if (req.method === 'POST' && path === '/token') return token(req, res);
    if (req.method === 'GET' && path === '/.well-known/openid-configuration') {
      counts.discovery++;
      return json(res, 200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: options.idTokenAlgs,
        token_endpoint_auth_methods_supported: ['client_secret_basic'],
        code_challenge_methods_supported: ['S256'],
        scopes_supported: ['openid', 'email', 'profile', 'groups'],
      });
    }
    if (req.method === 'GET' && path === '/jwks') {
      counts.jwks++;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': jwksBody.length });
      return res.end(jwksBody);
    }
    req.resume();
    refuse(res, `unexpected ${req.method} ${path}`);
  });
  server.keepAliveTimeout = 60_000;
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
  issuer = `http://127.0.0.1:${port}`;
  return {
    issuer,
    port,
    codes,
    tokenMs,
    refused,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
