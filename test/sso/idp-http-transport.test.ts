/**
 * The network under IdP requests: the address check inside the socket's own lookup (the
 * connection goes to the checked address: no DNS rebinding, attacks.md O-DISC-1), keep-alive
 * with one retry on a connection the IdP had closed, and the request body rules. Real sockets;
 * only the DNS answer is injected, since the test cannot own a public name.
 */

import { execFileSync } from 'node:child_process';
import type { LookupAddress } from 'node:dns';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkedLookup,
  httpTransport,
  plainHeaders,
  type Resolve,
} from '../../src/sso/idp-http-transport.ts';
import { OutboundError } from '../../src/sso/outbound-errors.ts';

let server: Server;
let port: number;
let connections = 0;
let requests = 0;
const perSocket = new WeakMap<object, number>();
let dropSecondRequestOnSocket = false;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests++;
    const n = (perSocket.get(req.socket) ?? 0) + 1;
    perSocket.set(req.socket, n);
    if (dropSecondRequestOnSocket && n === 2) {
      req.socket.destroy(); // as an IdP that closed the idle connection just as it was reused
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          method: req.method,
          contentType: req.headers['content-type'] ?? null,
          acceptEncoding: req.headers['accept-encoding'] ?? null,
          userAgent: req.headers['user-agent'] ?? null,
          accept: req.headers.accept ?? null,
          authorization: req.headers.authorization ?? null,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((r) => server.close(() => r()));
});

/** DNS as the test wants it: `idp.test` is loopback here, which no system resolver would say. */
const resolveTo =
  (...addresses: string[]): Resolve =>
  (_host, done) =>
    done(
      null,
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );

function lookupOnce(
  allowPrivate: boolean,
  resolve: Resolve,
  family = 0,
): Promise<{ err: Error | null; address: string | LookupAddress[] }> {
  return new Promise((done) =>
    checkedLookup(allowPrivate, resolve)('idp.example.com', { family, all: false }, (err, address) =>
      done({ err, address }),
    ),
  );
}

describe('the socket lookup of IdP requests', () => {
  it('refuses a host with any private address among its answers, without private addresses allowed (O-DISC-1)', async () => {
    for (const answer of [['10.0.0.5'], ['93.184.215.14', '127.0.0.1'], ['2606:4700::1', 'fd00::1']]) {
      const { err } = await lookupOnce(false, resolveTo(...answer));
      expect(err).toBeInstanceOf(OutboundError);
      expect((err as OutboundError).code).toBe('idp_url_not_allowed');
    }
  });

  it('hands the socket the address it checked, of the family asked for', async () => {
    expect(await lookupOnce(false, resolveTo('93.184.215.14'))).toEqual({
      err: null,
      address: '93.184.215.14',
    });
    expect(await lookupOnce(false, resolveTo('93.184.215.14', '2606:4700::1'), 6)).toEqual({
      err: null,
      address: '2606:4700::1',
    });
  });

  it('refuses a host that does not resolve', async () => {
    const { err } = await lookupOnce(false, (_h, done) =>
      done(Object.assign(new Error('ENOTFOUND'), {}), []),
    );
    expect((err as OutboundError).code).toBe('idp_unreachable');
  });

  it('connects to the address its own lookup checked: no second resolution to rebind', async () => {
    let resolutions = 0;
    const counting: Resolve = (host, done) => {
      resolutions++;
      resolveTo('127.0.0.1')(host, done);
    };
    const lax = httpTransport({ allowPrivate: true, timeoutMs: 2000, maxBytes: 4096, resolve: counting });
    // The system resolver does not know idp.test: the answer can only be the checked lookup's.
    const res = await lax(`http://idp.test:${port}/x`, {});
    expect(res.status).toBe(200);
    expect(resolutions).toBe(1);

    const before = connections;
    const strict = httpTransport({ allowPrivate: false, timeoutMs: 2000, maxBytes: 4096, resolve: counting });
    const refused = await strict(`http://idp.test:${port}/x`, {}).catch((e: unknown) => e);
    expect((refused as OutboundError).code).toBe('idp_url_not_allowed');
    expect(connections).toBe(before);
  });
});

describe('IdP requests over node:http', () => {
  const transport = httpTransport({ allowPrivate: true, timeoutMs: 2000, maxBytes: 4096 });

  it('sends a form as application/x-www-form-urlencoded, asks for no content coding and names itself', async () => {
    const res = await transport(`http://127.0.0.1:${port}/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'abc' }),
    });
    expect(await res.json()).toEqual({
      method: 'POST',
      contentType: 'application/x-www-form-urlencoded;charset=UTF-8',
      acceptEncoding: 'identity',
      userAgent: 'Drawbridge',
      accept: '*/*',
      authorization: null,
      body: 'grant_type=authorization_code&code=abc',
    });
  });

  it("sends the caller's headers, as openid-client hands them over (a Headers object), keeping its own Accept and User-Agent", async () => {
    const headers = new Headers({ Authorization: 'Basic Y2xpZW50OnNlY3JldA==', Accept: 'application/json' });
    headers.set('User-Agent', 'custom-agent');
    const res = await transport(`http://127.0.0.1:${port}/token`, { method: 'POST', headers, body: 'x' });
    expect(await res.json()).toMatchObject({
      authorization: 'Basic Y2xpZW50OnNlY3JldA==',
      accept: 'application/json',
      userAgent: 'custom-agent',
      // Never the caller's choice: nothing here decompresses.
      acceptEncoding: 'identity',
      contentType: 'text/plain;charset=UTF-8',
    });
  });

  it('keeps the connection alive between requests', async () => {
    const keep = httpTransport({ allowPrivate: true, timeoutMs: 2000, maxBytes: 4096 });
    const before = connections;
    await (await keep(`http://127.0.0.1:${port}/a`, {})).text();
    await (await keep(`http://127.0.0.1:${port}/b`, {})).text();
    expect(connections - before).toBe(1);
  });

  it('sends once more on a new connection when the IdP closed the kept-alive one as it was reused', async () => {
    const keep = httpTransport({ allowPrivate: true, timeoutMs: 2000, maxBytes: 4096 });
    dropSecondRequestOnSocket = true;
    try {
      const before = { connections, requests };
      await (await keep(`http://127.0.0.1:${port}/first`, {})).text();
      const res = await keep(`http://127.0.0.1:${port}/second`, {});
      expect(res.status).toBe(200);
      expect({ connections: connections - before.connections, requests: requests - before.requests }).toEqual(
        {
          connections: 2,
          requests: 3,
        },
      );
    } finally {
      dropSecondRequestOnSocket = false;
    }
  });

  it('refuses a request body it does not know rather than sending something else', async () => {
    const err = await transport(`http://127.0.0.1:${port}/x`, {
      method: 'POST',
      body: new Blob(['x']),
    }).catch((e: unknown) => e);
    expect((err as OutboundError).code).toBe('idp_unreachable');
  });
});

describe('plainHeaders (request headers as node:http takes them)', () => {
  it('lower-cases names and joins repeated ones with ", " as a Headers object would, from each kind of header list', () => {
    const expected = { accept: 'application/json', 'x-extra': 'a, b' };
    const fromHeaders = new Headers([
      ['Accept', 'application/json'],
      ['X-Extra', 'a'],
      ['x-extra', 'b'],
    ]);
    expect({ ...plainHeaders(fromHeaders) }).toEqual(expected);
    expect({
      ...plainHeaders([
        ['Accept', 'application/json'],
        ['X-Extra', 'a'],
        ['x-extra', 'b'],
      ]),
    }).toEqual(expected);
    expect({ ...plainHeaders({ Accept: 'application/json', 'X-Extra': 'a', 'x-extra': 'b' }) }).toEqual(
      expected,
    );
    expect({ ...plainHeaders(undefined) }).toEqual({});
  });

  it('gives a header named like an Object property no special meaning', () => {
    const plain = plainHeaders({ __proto__: 'x', constructor: 'y' } as unknown as Record<string, string>);
    expect(plain.constructor).toBe('y');
    expect(Object.getPrototypeOf(plain)).toBeNull();
  });
});

describe('IdP requests over node:https', () => {
  let tls: HttpsServer;
  let tlsPort: number;
  let cert: string;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idp-tls-'));
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=idp.test',
          '-addext',
          'subjectAltName=DNS:idp.test',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
        ],
        { stdio: 'pipe' },
      );
      cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
      tls = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (_req, res) =>
        res.end('{}'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', () => r()));
    tlsPort = (tls.address() as AddressInfo).port;
  });
  afterAll(() => {
    tls.closeAllConnections();
    return new Promise<void>((r) => tls.close(() => r()));
  });

  const toLoopback = resolveTo('127.0.0.1');

  it('verifies the certificate against the name in the URL, not the address the lookup pinned', async () => {
    const trusting = httpTransport({
      allowPrivate: true,
      timeoutMs: 2000,
      maxBytes: 4096,
      resolve: toLoopback,
      ca: [cert],
    });
    expect((await trusting(`https://idp.test:${tlsPort}/jwks`, {})).status).toBe(200);
    const other = await trusting(`https://other.test:${tlsPort}/jwks`, {}).catch((e: unknown) => e);
    expect((other as NodeJS.ErrnoException).code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it("refuses a certificate no trusted authority issued (Node's roots by default)", async () => {
    const plain = httpTransport({ allowPrivate: true, timeoutMs: 2000, maxBytes: 4096, resolve: toLoopback });
    const err = await plain(`https://idp.test:${tlsPort}/jwks`, {}).catch((e: unknown) => e);
    expect((err as NodeJS.ErrnoException).code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
  });
});
