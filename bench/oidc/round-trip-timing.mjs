/**
 * Preloaded into bench:oidc's server (`node --import …/round-trip-timing.mjs dist/main.js`): the
 * provider's round trip of each token request as Drawbridge's HTTP client sees it, from the
 * request's last byte handed to the socket to the answer's headers parsed: for node:http (what
 * src/sso/idp-http-transport.ts uses) the request's 'finish' and 'response' events, for fetch
 * (older checkouts) undici's `undici:request:bodySent` and `undici:request:headers` diagnostics
 * channels. That is the provider's network round
 * trip and its own work; building the request, reading the body, openid-client and everything
 * after stay Drawbridge's. Keyed by the `x-bench-callback` header the stub answers with (the
 * code), so each callback gets its own.
 *
 * It also times each callback inside the server, from the request handed to the application
 * (`http.server.request.start`: headers parsed) to the answer handed to the kernel (the response's
 * 'finish'), keyed by the `code` in its query string: the server's own view of the callback,
 * without the loopback hops to and from the benchmark process.
 *
 * On SIGUSR2 it writes what it has collected to ROUND_TRIP_TIMING_FILE as
 * `{ "seq": n, "ms": { code: ms }, "served": { code: ms } }` and starts over.
 *
 * Plain JavaScript: a TypeScript preload would load Node.js's TypeScript loader into the server.
 */
import { subscribe } from 'node:diagnostics_channel';
import { renameSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const file = process.env.ROUND_TRIP_TIMING_FILE;
if (!file) throw new Error('round-trip-timing.mjs: ROUND_TRIP_TIMING_FILE is not set');

const sentAt = new WeakMap();
let ms = {};
let served = {};
let seq = 0;

subscribe('http.server.request.start', ({ request, response }) => {
  const t0 = performance.now();
  const m = /[?&]code=([^&]*)/.exec(request.url ?? '');
  if (!m) return;
  const code = decodeURIComponent(m[1]);
  response.once('finish', () => {
    served[code] = performance.now() - t0;
  });
});

subscribe('undici:request:bodySent', ({ request }) => {
  sentAt.set(request, performance.now());
});
subscribe('undici:request:headers', ({ request, response }) => {
  const t0 = sentAt.get(request);
  if (t0 === undefined) return;
  const took = performance.now() - t0;
  const raw = response.headers; // [name, value, name, value, …] as Buffers
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (String(raw[i]).toLowerCase() === 'x-bench-callback') {
      ms[String(raw[i + 1])] = took;
      return;
    }
  }
});

subscribe('http.client.request.start', ({ request }) => {
  let t0;
  request.once('finish', () => {
    t0 = performance.now();
  });
  request.once('response', (response) => {
    if (t0 === undefined) return;
    const code = response.headers['x-bench-callback'];
    if (typeof code === 'string') ms[code] = performance.now() - t0;
  });
});

process.on('SIGUSR2', () => {
  seq += 1;
  writeFileSync(`${file}.tmp`, JSON.stringify({ seq, ms, served }));
  renameSync(`${file}.tmp`, file);
  ms = {};
  served = {};
});
