/**
 * Requests to identity providers (attacks.md O-DISC-1/2): https and public addresses only unless
 * allowed, a size cap and a timeout, and the connection's extra headers — against real sockets.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboundError, outboundFetch } from '../../src/sso/outbound-fetch.ts';

let server: Server;
let url: string;
const seen: Array<Record<string, string | string[] | undefined>> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers);
    if (req.url === '/big') {
      res.end('x'.repeat(2048));
    } else if (req.url === '/hang') {
      // never answers
    } else if (req.url === '/redirect') {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
      res.end();
    } else {
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true}');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((r) => server.close(() => r()));
});

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    if (err instanceof OutboundError) return err.code;
    throw err;
  }
}

describe('outbound requests to identity providers', () => {
  const strict = outboundFetch({ allowPrivate: false, timeoutMs: 2000, maxBytes: 1024 });
  const lax = outboundFetch({ allowPrivate: true, timeoutMs: 300, maxBytes: 1024 }, { 'x-tenant': 'acme' });

  it.each([
    'http://idp.example.com/.well-known/openid-configuration',
    'https://127.0.0.1/jwks',
    'https://169.254.169.254/latest/meta-data/',
    'https://[::1]/x',
    'https://[::ffff:7f00:1]/x',
    'https://localhost/x',
    'https://idp.internal/x',
    'file:///etc/passwd',
  ])('refuses %s without DRAWBRIDGE_ALLOW_PRIVATE_IDP_URLS (SSRF, O-DISC-1)', async (target) => {
    expect(await codeOf(strict(target))).toBe('idp_url_not_allowed');
  });

  it('refuses a host that does not resolve, before connecting', async () => {
    expect(await codeOf(strict('https://no-such-host.invalid/x'))).toBe('idp_unreachable');
  });

  it('answers within the size cap and refuses a larger answer (O-DISC-2)', async () => {
    expect(await (await lax(`${url}/ok`)).json()).toEqual({ ok: true });
    expect(await codeOf(lax(`${url}/big`))).toBe('idp_response_too_large');
  });

  it('gives up on a provider that does not answer (timeout, O-DISC-2)', async () => {
    expect(await codeOf(lax(`${url}/hang`))).toBe('idp_unreachable');
  });

  it('does not follow redirects (a redirect to an internal address is just an answer)', async () => {
    const res = await lax(`${url}/redirect`);
    expect(res.status).toBe(302);
  });

  it("adds the connection's extra headers (GENERIC_SSO_HEADERS) without overriding the request's own", async () => {
    seen.length = 0;
    await lax(`${url}/ok`, { headers: { authorization: 'Bearer t' } });
    expect(seen[0]).toMatchObject({ 'x-tenant': 'acme', authorization: 'Bearer t' });
  });
});
