/**
 * TLS terminated in front of Drawbridge, as an https deployment runs it (BASE_URL https, so
 * cookies are Secure and the SAML binding cookie SameSite=None): an https listener on localhost
 * with a self-signed certificate that passes every request, Host and cookies included, to a
 * Drawbridge listening on plain http. Browsers must be told to accept the certificate
 * (playwright's `ignoreHTTPSErrors`).
 */
import { request } from 'node:http';
import { createServer } from 'node:https';
import { generateKeyPair } from '../interop/saml/common.ts';

export interface TlsFront {
  close(): Promise<void>;
}

/** Listens on https://localhost:`port` and forwards to http://127.0.0.1:`upstreamPort`. */
export async function startTlsFront(port: number, upstreamPort: number): Promise<TlsFront> {
  const { keyPem, certPem } = generateKeyPair('localhost');
  const server = createServer({ key: keyPem, cert: certPem }, (req, res) => {
    const upstream = request(
      { host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(port, 'localhost', done);
  });
  return {
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
