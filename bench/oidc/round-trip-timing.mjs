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
 * With PHASE_TIMING=1 (bench:oidc:compare, callbacks one at a time) it also splits each callback
 * into phases by the server's own events: before the token request is sent (split into the
 * HTTP server's part up to the first query, the reads, and building and sending the token
 * request), from the token
 * answer to the login transaction's `begin`, the transaction's statements, its `commit` (with
 * the fsync) and the answer after it (node:sqlite statements are wrapped for that, which is why
 * it is not on for the measured numbers of bench:oidc).
 *
 * On SIGUSR2 it writes what it has collected to ROUND_TRIP_TIMING_FILE as
 * `{ "seq": n, "ms": { code: ms }, "served": { code: ms }, "phases": { code: {…} } }` and starts
 * over.
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
let phases = {};
let seq = 0;

/** The callback in flight when exactly one is (phases are only kept for those). */
let current;
let inFlight = 0;
const phaseTiming = process.env.PHASE_TIMING === '1';

subscribe('http.server.request.start', ({ request, response }) => {
  const t0 = performance.now();
  const m = /[?&]code=([^&]*)/.exec(request.url ?? '');
  if (!m) return;
  const code = decodeURIComponent(m[1]);
  inFlight += 1;
  const marks = { t0 };
  current = inFlight === 1 ? marks : undefined;
  response.once('finish', () => {
    const end = performance.now();
    served[code] = end - t0;
    inFlight -= 1;
    if (current === marks) current = undefined;
    if (phaseTiming && marks.commitEnd !== undefined && marks.tokenSent !== undefined && !marks.overlapped) {
      phases[code] = {
        beforeToken: marks.tokenSent - t0,
        front: marks.firstStatement - t0,
        reads: marks.readsDone - marks.firstStatement,
        tokenRequest: marks.tokenSent - marks.readsDone,
        afterToken: marks.begin - marks.tokenAnswered,
        transaction: marks.commitStart - marks.begin,
        commit: marks.commitEnd - marks.commitStart,
        answer: end - marks.commitEnd,
      };
    }
  });
  if (inFlight > 1 && current === undefined) marks.overlapped = true;
});

if (phaseTiming) {
  const { StatementSync } = await import('node:sqlite');
  const kinds = new WeakMap();
  const kindOf = (statement) => {
    let kind = kinds.get(statement);
    if (kind === undefined) {
      const text = statement.sourceSQL.trim().toLowerCase();
      kind = text === 'begin' ? 'begin' : text === 'commit' ? 'commit' : '';
      kinds.set(statement, kind);
    }
    return kind;
  };
  for (const method of ['run', 'all', 'get']) {
    const original = StatementSync.prototype[method];
    StatementSync.prototype[method] = function timed(...args) {
      const marks = current;
      if (!marks) return original.apply(this, args);
      const kind = kindOf(this);
      if (kind === 'begin' && marks.begin === undefined) marks.begin = performance.now();
      if (kind !== 'commit') {
        if (marks.tokenSent !== undefined) return original.apply(this, args);
        // The reads before the token request: the configuration, the pending login, the policy.
        marks.firstStatement ??= performance.now();
        try {
          return original.apply(this, args);
        } finally {
          marks.readsDone = performance.now();
        }
      }
      marks.commitStart = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        marks.commitEnd = performance.now();
      }
    };
  }
}

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
  const marks = current;
  request.once('finish', () => {
    t0 = performance.now();
    if (marks) marks.tokenSent = t0;
  });
  request.once('response', (response) => {
    if (t0 === undefined) return;
    if (marks) marks.tokenAnswered = performance.now();
    const code = response.headers['x-bench-callback'];
    if (typeof code === 'string') ms[code] = performance.now() - t0;
  });
});

process.on('SIGUSR2', () => {
  seq += 1;
  writeFileSync(`${file}.tmp`, JSON.stringify({ seq, ms, served, phases }));
  renameSync(`${file}.tmp`, file);
  ms = {};
  served = {};
  phases = {};
});
