/**
 * OIDC benchmark (`npm run bench:oidc`, `npm run bench:oidc -- --write --wait-quiet 60`), in one
 * run:
 *
 *  (a) Drawbridge's own time per OIDC callback: the server `npm start` runs, on SQLite, finishing prepared logins at `GET /api/v1/auth/oidc/{name}/callback/` — state
 *      lookup and consume, browser binding, code exchange, token response and ID token checks,
 *      user lookup and group sync, session, login trace — against a provider stubbed at the
 *      socket (bench/oidc/stub-op.ts: a node:http server in this process whose token endpoint
 *      answers at once with an ID token signed beforehand), one callback at a time (latency)
 *      and 8 at a time (throughput), with the server's CPU time per callback; "own" time is the
 *      response time minus the provider's round trip as the server's HTTP client timed it
 *      (bench/oidc/round-trip-timing.mjs, preloaded into the server), the issue's "everything
 *      but the provider's network round trips";
 *  (b) ID token validations per second inside Drawbridge (`verifyIdToken`: parse, algorithm
 *      allowlist, every claim rule, signature) against a raw `crypto.verify` of the same token,
 *      for RS256, PS256, ES256 and EdDSA, with jose's `jwtVerify` for orientation;
 *
 * with the issue's goals: validation ≥ 0.5× raw verify, the callback's own time p50 ≤ 2 ms.
 * Signing is never timed. Loopback only, about a minute (plus at most N s with --wait-quiet N),
 * every child process stopped at the end, on error and on Ctrl-C. `--help` lists the options.
 */
import { verify as cryptoVerify, type KeyObject, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DatabaseSync } from 'node:sqlite';
import { pathToFileURL } from 'node:url';
import { importJWK, jwtVerify } from 'jose';
import {
  DEFAULT_ALGORITHMS,
  type IdTokenExpectations,
  type KeyResolver,
  verifyIdToken,
} from '../src/oidc/id-token.ts';
import { remoteKeyResolver } from '../src/oidc/jwks.ts';
import { describeServerCode, hostRows, loadRows, versionOf } from './lib/machine.ts';
import { cpuMs, sysCpuMs, systemBusyMs } from './lib/proc-usage.ts';
import {
  cleanups,
  commandLine,
  parseBenchArgs,
  progressLog,
  runBenchmark,
  wholeNumberArg,
} from './lib/program.ts';
import { BACKGROUND_WARN_PCT, backgroundLoad, QuietWaiter } from './lib/quiet.ts';
import {
  fmt,
  type Goal,
  goalTable,
  goalVerdict,
  markdownTable,
  measuredOn,
  type Row,
  reportDate,
  reportHead,
  textTable,
  writePerformanceSection,
} from './lib/report.ts';
import {
  isRunning,
  npmStartRuntime,
  REPO_ROOT,
  type ServerProcess,
  startServer,
  warmUpFetch,
} from './lib/server-process.ts';
import {
  profileMarkdownTables,
  profileTextTables,
  type ServerProfile,
  sqlHeaders,
  sqlRows,
  startProfiledServer,
} from './lib/server-profile.ts';
import { median, percentile } from './lib/stats.ts';
import {
  type Callback,
  type CallbackRun,
  CLIENT_ID,
  CLIENT_SECRET,
  NEXT_PATH,
  type OidcSetup,
  sendCallbacks,
  setUpOidc,
  startLogins,
} from './oidc/drawbridge.ts';
import {
  ALGS,
  type Alg,
  hashOf,
  idTokenClaims,
  keyOptions,
  makeKey,
  type Person,
  signJwt,
  splitJwt,
} from './oidc/jwt.ts';
import { type StubOp, startStubOp } from './oidc/stub-op.ts';
import {
  type Contender,
  loopAsync,
  loopSync,
  type Measured,
  measureRound,
  medianRate,
  pctOf,
  type Round,
  rate,
} from './saml/measure.ts';

const GOAL = { ownP50Ms: 2, validationOverRaw: 0.5 };
const ROUNDS = 3;
/** Distinct people at the provider; each signs in twice during the warm-up (created, then returning). */
const USERS = 100;
const WARMUP_CALLBACKS = 2 * USERS;
/** Discarded callbacks right before each round's timed ones (the server sat idle meanwhile). */
const REWARM_CALLBACKS = 20;
/** Groups in Drawbridge with these externalIds; the ID tokens carry them and a few unmapped ones. */
const MAPPED_GROUPS = ['engineering', 'sso-admins', 'sales', 'support'] as const;
const UNMAPPED_GROUPS = ['Everyone', 'okta-users', 'vpn'] as const;
/** Distinct tokens the in-process contenders cycle through, per algorithm. */
const IN_PROCESS_SET = 64;
const CLOCK_SKEW_SECONDS = 60;
const MAX_AGE_SECONDS = 3_600;
/** With --wait-quiet, a callback run during which other processes used more than this is repeated. */
const SEGMENT_OTHER_LIMIT_PCT = 15;
const LOGIN_START_CONCURRENCY = 8;
/** The durable-commit floor: at most this many insert/delete pairs, or this long, per round. */
const COMMITS_MAX = 100;
const COMMIT_SECONDS = 0.5;
/**
 * The server's settings besides bench/lib/server-process.ts's: the stub runs on 127.0.0.1, and
 * discovery and keys are fetched once and kept for the whole run (the defaults would too; set
 * so a longer run cannot refetch in the middle).
 */
const SERVER_ENV = {
  DRAWBRIDGE_ALLOW_PRIVATE_IDP_URLS: 'true',
  OIDC_JWKS_COOLDOWN_SECONDS: '30',
  OIDC_JWKS_MAX_AGE_SECONDS: '3600',
  OIDC_DISCOVERY_MAX_AGE_SECONDS: '3600',
  // All logins start and finish from one loopback address; the limiters still run.
  OIDC_CALLBACK_RATE_LIMIT_PER_MINUTE: '1000000',
  SSO_LOGIN_START_RATE_LIMIT_PER_MINUTE: '1000000',
};
const COMMAND = commandLine('bench:oidc');

const args = parseBenchArgs(
  {
    profile: { type: 'boolean', default: false },
    alg: { type: 'string', default: 'RS256' },
    concurrency: { type: 'string', default: '8' },
    'round-seconds': { type: 'string', default: '2' },
    'sequential-max': { type: 'string', default: '400' },
    'concurrent-max': { type: 'string', default: '700' },
    'verify-seconds': { type: 'string', default: '0.4' },
    'profile-concurrency': { type: 'string', default: '1' },
  },
  `Usage: npm run bench:oidc -- [options]

  --write               add/replace the "OIDC callback and ID token validation" section of
                        docs/performance.md (also BENCH_WRITE=1)
  --strict              exit 1 when a goal is missed
  --profile             afterwards, run the callbacks once more on a server under node --cpu-prof
                        and summarise where its time goes (not part of the measured numbers)
  --alg A               algorithm of the callbacks' ID tokens: RS256 (default), PS256, ES256, EdDSA
  --concurrency N       concurrent callbacks in the throughput run (default 8)
  --round-seconds S     longest timed callback run (default 2; ${ROUNDS} rounds of each)
  --sequential-max N    at most N callbacks per one-at-a-time run (default 400)
  --concurrent-max N    at most N callbacks per concurrent run (default 700)
  --verify-seconds S    length of one timed round of each validation contender (default 0.4)
  --profile-concurrency N  callbacks at a time in the profiled run (default 1, as the latency goal)
  --wait-quiet N        before each round, wait until other processes are idle, at most N s in all
                        (0 to 300; default 0: never wait)`,
);

if (!(ALGS as readonly string[]).includes(args.alg))
  throw new Error(`--alg: expected one of ${ALGS.join(', ')}`);
const CALLBACK_ALG = args.alg as Alg;
const CONCURRENCY = wholeNumberArg('--concurrency', args.concurrency, 2);
const PROFILE_CONCURRENCY = wholeNumberArg('--profile-concurrency', args['profile-concurrency'], 1);
const ROUND_SECONDS = Number(args['round-seconds']);
const SEQUENTIAL_MAX = wholeNumberArg('--sequential-max', args['sequential-max'], 50, 5000);
const CONCURRENT_MAX = wholeNumberArg('--concurrent-max', args['concurrent-max'], 50, 5000);
const VERIFY_SECONDS = Number(args['verify-seconds']);
if (!(ROUND_SECONDS > 0 && ROUND_SECONDS <= 10)) throw new Error('--round-seconds: expected 0 < S ≤ 10');
if (!(VERIFY_SECONDS > 0 && VERIFY_SECONDS <= 5)) throw new Error('--verify-seconds: expected 0 < S ≤ 5');

const progress = progressLog('bench:oidc');
const quiet = new QuietWaiter(Number(args['wait-quiet']), progress, BACKGROUND_WARN_PCT);

// ---------------------------------------------------------------- people and callbacks

function person(i: number): Person {
  const u = i % USERS;
  // A person's successive logins leave out a different mapped group: every returning login
  // adds one SSO group membership and removes another, as in bench:saml.
  const leaveOut = Math.floor(i / USERS) % MAPPED_GROUPS.length;
  return {
    sub: `00u${String(u).padStart(6, '0')}bench`,
    email: `user${u}@acme-bench.test`,
    given_name: `Bench${u}`,
    family_name: 'User',
    name: `Bench${u} User`,
    groups: [...MAPPED_GROUPS.filter((_, g) => g !== leaveOut), ...UNMAPPED_GROUPS],
  };
}

/**
 * `count` logins started on the server through GET …/login/, and for each a code the stub will
 * redeem with an ID token carrying that login's nonce, signed now (untimed).
 */
async function prepareCallbacks(
  server: ServerProcess,
  setup: OidcSetup,
  op: StubOp,
  key: ReturnType<typeof makeKey>,
  count: number,
  firstPerson: number,
  agent: Agent,
): Promise<Callback[]> {
  const logins = await startLogins(server.url, setup, count, LOGIN_START_CONCURRENCY, agent);
  const now = Math.floor(Date.now() / 1000);
  return logins.map((login, i) => {
    const code = randomBytes(24).toString('base64url');
    const idToken = signJwt(
      key,
      idTokenClaims(op.issuer, CLIENT_ID, login.nonce, person(firstPerson + i), now),
    );
    const answer = {
      access_token: randomBytes(32).toString('base64url'),
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'openid email profile groups',
      id_token: idToken,
    };
    op.codes.set(code, {
      answer: Buffer.from(JSON.stringify(answer)),
      codeChallenge: login.codeChallenge,
      redirectUri: login.redirectUri,
    });
    return { path: `${setup.callbackPath}?code=${code}&state=${login.state}`, cookie: login.cookie, code };
  });
}

// ---------------------------------------------------------------- (a) callback runs

interface CallbackSegment {
  callbacks: number;
  seconds: number;
  latenciesMs: number[];
  /**
   * Per callback: its time inside the server (request handed to the application → answer handed
   * to the kernel) minus the provider's round trip on its token request as the server's HTTP
   * client saw it (bench/oidc/round-trip-timing.mjs): Drawbridge's own time, "everything but the
   * provider's network round trips".
   */
  ownMs: number[];
  /** Per callback: its latency seen by the benchmark minus the provider's round trip. */
  ownClientMs: number[];
  /** Per callback: its latency minus only the stub's time on its token request (stricter). */
  ownStubMs: number[];
  stubMsTotal: number;
  roundTripMsTotal: number;
  serverCpuMs: number;
  /** Of serverCpuMs, the part in the kernel (system time: sockets, fsync, epoll). */
  serverSysMs: number;
  selfCpuMs: number;
  otherCpuMs: number;
}

/**
 * The provider round trip of every token request since the last call, by code: SIGUSR2 asks
 * bench/oidc/round-trip-timing.mjs in the server to write them to `file`.
 */
let roundTripSeq = 0;
async function roundTrips(
  server: ServerProcess,
  file: string,
): Promise<{ trip: Map<string, number>; served: Map<string, number> }> {
  roundTripSeq += 1;
  process.kill(server.pid, 'SIGUSR2');
  const deadline = Date.now() + 5_000;
  for (;;) {
    try {
      const got = JSON.parse(readFileSync(file, 'utf8')) as {
        seq: number;
        ms: Record<string, number>;
        served: Record<string, number>;
      };
      if (got.seq === roundTripSeq)
        return { trip: new Map(Object.entries(got.ms)), served: new Map(Object.entries(got.served)) };
    } catch {
      // not written yet
    }
    if (Date.now() > deadline) throw new Error(`no round-trip timings from the server in ${file}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function runCallbacks(
  server: ServerProcess,
  roundTripFile: string,
  op: StubOp,
  send: (count: number, seconds: number, concurrency: number) => Promise<CallbackRun>,
  count: number,
  concurrency: number,
): Promise<CallbackSegment> {
  const srv0 = cpuMs(server.pid);
  const srvSys0 = sysCpuMs(server.pid);
  const self0 = process.cpuUsage();
  const sys0 = systemBusyMs();
  const r = await send(count, ROUND_SECONDS, concurrency);
  const sys1 = systemBusyMs();
  const self = process.cpuUsage(self0);
  const serverCpuMs = cpuMs(server.pid) - srv0;
  const selfCpuMs = (self.user + self.system) / 1000;
  const stub = r.codes.map((c) => op.tokenMs.get(c) ?? 0);
  const timings = await roundTrips(server, roundTripFile);
  const timed = (m: Map<string, number>, what: string) =>
    r.codes.map((c) => {
      const ms = m.get(c);
      if (ms === undefined) throw new Error(`the server timed no ${what} for code ${c.slice(0, 12)}`);
      return ms;
    });
  const trip = timed(timings.trip, 'token request');
  const served = timed(timings.served, 'callback');
  return {
    callbacks: r.requests,
    seconds: r.seconds,
    latenciesMs: r.latenciesMs,
    ownMs: served.map((ms, i) => ms - trip[i]!),
    ownClientMs: r.latenciesMs.map((ms, i) => ms - trip[i]!),
    ownStubMs: r.latenciesMs.map((ms, i) => ms - stub[i]!),
    stubMsTotal: stub.reduce((a, b) => a + b, 0),
    roundTripMsTotal: trip.reduce((a, b) => a + b, 0),
    serverCpuMs,
    serverSysMs: sysCpuMs(server.pid) - srvSys0,
    selfCpuMs,
    otherCpuMs: Math.max(0, sys1 - sys0 - serverCpuMs - selfCpuMs),
  };
}

interface CallbackResult {
  label: string;
  concurrency: number;
  segments: CallbackSegment[];
  callbacks: number;
  rate: number;
  p50: number;
  p99: number;
  ownP50: number;
  ownP99: number;
  ownClientP50: number;
  ownStubP50: number;
  roundTripUsPerCallback: number;
  serverUsPerCallback: number;
  serverSysUsPerCallback: number;
  serverCpuPct: number;
  selfUsPerCallback: number;
  stubUsPerCallback: number;
  otherCpuPct: number;
}

function mergeCallbacks(label: string, concurrency: number, segments: CallbackSegment[]): CallbackResult {
  const sum = (f: (s: CallbackSegment) => number) => segments.reduce((n, s) => n + f(s), 0);
  const callbacks = sum((s) => s.callbacks);
  const seconds = sum((s) => s.seconds);
  const latencies = segments.flatMap((s) => s.latenciesMs);
  const own = segments.flatMap((s) => s.ownMs);
  return {
    label,
    concurrency,
    segments,
    callbacks,
    rate: callbacks / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    ownP50: percentile(own, 50),
    ownP99: percentile(own, 99),
    ownClientP50: percentile(
      segments.flatMap((s) => s.ownClientMs),
      50,
    ),
    ownStubP50: percentile(
      segments.flatMap((s) => s.ownStubMs),
      50,
    ),
    roundTripUsPerCallback: (sum((s) => s.roundTripMsTotal) * 1000) / callbacks,
    serverUsPerCallback: (sum((s) => s.serverCpuMs) * 1000) / callbacks,
    serverSysUsPerCallback: (sum((s) => s.serverSysMs) * 1000) / callbacks,
    serverCpuPct: (sum((s) => s.serverCpuMs) / (seconds * 1000)) * 100,
    selfUsPerCallback: (sum((s) => s.selfCpuMs) * 1000) / callbacks,
    stubUsPerCallback: (sum((s) => s.stubMsTotal) * 1000) / callbacks,
    otherCpuPct: (sum((s) => s.otherCpuMs) / (seconds * 1000)) * 100,
  };
}

// ---------------------------------------------------------------- (b) validation contenders

/** JWKS requests of the in-process resolver (b), so the stub's count can show the server's alone. */
let benchJwksFetches = 0;

interface VerifyContenders {
  alg: Alg;
  raw: Contender;
  drawbridge: Contender;
  drawbridgeJwks: Contender;
  jose: Contender;
}

async function verifyContenders(
  op: StubOp,
  keys: Map<Alg, ReturnType<typeof makeKey>>,
): Promise<VerifyContenders[]> {
  const now = Math.floor(Date.now() / 1000);
  // Drawbridge's JWKS resolver on the stub's key set, as the callback uses it (fetched once, then cached).
  const jwksResolver = remoteKeyResolver(`${op.issuer}/jwks`, {
    cooldownSeconds: 30,
    maxAgeSeconds: 3_600,
    timeoutMs: 5_000,
    fetch: ((url: string, init: RequestInit) => {
      benchJwksFetches++;
      return fetch(url, init);
    }) as never,
  });
  const out: VerifyContenders[] = [];
  for (const alg of ALGS) {
    const key = keys.get(alg)!;
    const nonces = Array.from({ length: IN_PROCESS_SET }, () => randomBytes(16).toString('base64url'));
    const tokens = nonces.map((nonce, i) =>
      signJwt(key, idTokenClaims(op.issuer, CLIENT_ID, nonce, person(i), now)),
    );
    const parts = tokens.map(splitJwt);
    const expectations: IdTokenExpectations[] = nonces.map((nonce) => ({
      issuer: op.issuer,
      clientId: CLIENT_ID,
      nonce,
      algorithms: DEFAULT_ALGORITHMS,
      clockSkewSeconds: CLOCK_SKEW_SECONDS,
      maxAgeSeconds: MAX_AGE_SECONDS,
    }));
    const publicKey: KeyObject = key.publicKey;
    const resolved: KeyResolver = async () => publicKey;
    const rawOptions = keyOptions(alg, publicKey);
    const hash = hashOf(alg);
    const rawOnce = (i: number) => {
      const p = parts[i % IN_PROCESS_SET]!;
      if (!cryptoVerify(hash, p.signingInput, rawOptions, p.signature))
        throw new Error(`${alg}: raw verify failed`);
    };
    const checked = (claims: Record<string, unknown>, i: number) => {
      if (claims.nonce !== nonces[i % IN_PROCESS_SET]) throw new Error(`${alg}: wrong claims back`);
    };
    const drawbridgeOnce = async (i: number) =>
      checked(
        await verifyIdToken(
          tokens[i % IN_PROCESS_SET]!,
          expectations[i % IN_PROCESS_SET]!,
          resolved,
          Date.now(),
        ),
        i,
      );
    const jwksOnce = async (i: number) =>
      checked(
        await verifyIdToken(
          tokens[i % IN_PROCESS_SET]!,
          expectations[i % IN_PROCESS_SET]!,
          jwksResolver,
          Date.now(),
        ),
        i,
      );
    const cryptoKey = await importJWK(key.jwk as never, alg);
    const joseOptions = {
      issuer: op.issuer,
      audience: CLIENT_ID,
      algorithms: [alg],
      clockTolerance: CLOCK_SKEW_SECONDS,
    };
    const joseOnce = async (i: number) => {
      const { payload } = await jwtVerify(tokens[i % IN_PROCESS_SET]!, cryptoKey, joseOptions);
      checked(payload, i);
    };
    // Each round runs a contender twice, for half the round each time (see main).
    const sync = (name: string, fn: (i: number) => void): Contender => ({
      name,
      warmUp: async () => void loopSync(fn, 0.2),
      run: async () => loopSync(fn, VERIFY_SECONDS / 2),
    });
    const async_ = (name: string, fn: (i: number) => Promise<void>): Contender => ({
      name,
      warmUp: async () => void (await loopAsync(fn, 0.2)),
      run: () => loopAsync(fn, VERIFY_SECONDS / 2),
    });
    out.push({
      alg,
      raw: sync(`${alg} raw crypto.verify`, rawOnce),
      drawbridge: async_(`${alg} Drawbridge verifyIdToken (KeyObject)`, drawbridgeOnce),
      drawbridgeJwks: async_(`${alg} Drawbridge verifyIdToken (JWKS resolver)`, jwksOnce),
      jose: async_(`${alg} jose jwtVerify`, joseOnce),
    });
  }
  return out;
}

function addRounds(a: Round, b: Round): Round {
  return {
    ops: a.ops + b.ops,
    seconds: a.seconds + b.seconds,
    selfCpuMs: a.selfCpuMs + b.selfCpuMs,
    serverCpuMs: a.serverCpuMs + b.serverCpuMs,
    otherCpuMs: a.otherCpuMs + b.otherCpuMs,
  };
}

// ---------------------------------------------------------------- floor: a durable commit

/**
 * A SQLite database in the same temporary directory (so on the same filesystem) as the server's
 * DATA_DIR, with the server's pragmas: what one acknowledged commit costs on this disk.
 */
function openCommitDb(): { db: DatabaseSync; close(): void } {
  const dir = mkdtempSync(join(os.tmpdir(), 'drawbridge-bench-commit-'));
  const db = new DatabaseSync(join(dir, 'commit.db'));
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = FULL');
  db.exec('CREATE TABLE t (id TEXT PRIMARY KEY, v TEXT NOT NULL)');
  return {
    db,
    close: () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One-row inserts and deletes, each statement its own commit: the latency of each, ms. */
function measureCommits(db: DatabaseSync): number[] {
  const insert = db.prepare('INSERT INTO t (id, v) VALUES (?, ?)');
  const remove = db.prepare('DELETE FROM t WHERE id = ? RETURNING *');
  const out: number[] = [];
  const end = performance.now() + COMMIT_SECONDS * 1000;
  for (let i = 0; i < COMMITS_MAX && performance.now() < end; i++) {
    const id = randomBytes(16).toString('base64url');
    const t0 = performance.now();
    insert.run(id, 'x'.repeat(300));
    const t1 = performance.now();
    remove.all(id);
    out.push(t1 - t0, performance.now() - t1);
  }
  return out;
}

// ---------------------------------------------------------------- profile

interface CallbackProfile extends ServerProfile {
  callbacks: number;
  seconds: number;
}

/**
 * The callbacks once more, on a second server under `node --cpu-prof` (with bench/saml's
 * node:sqlite statement timer preloaded): warm-up, then a few seconds at the throughput run's
 * concurrency; only the samples of that window are summarised.
 */
async function profileCallbacks(op: StubOp, key: ReturnType<typeof makeKey>): Promise<CallbackProfile> {
  const profiled = await startProfiledServer('oidc', { env: SERVER_ENV });
  const { server } = profiled;
  const agent = new Agent({ keepAlive: true, maxSockets: Math.max(CONCURRENCY, LOGIN_START_CONCURRENCY) });
  try {
    const setup = await setUpOidc(server.url, op.issuer, MAPPED_GROUPS);
    const measured = PROFILE_CONCURRENCY === 1 ? SEQUENTIAL_MAX * 3 : CONCURRENT_MAX * 2;
    const callbacks = await prepareCallbacks(server, setup, op, key, WARMUP_CALLBACKS + measured, 0, agent);
    const expect = `${server.url}${NEXT_PATH}`;
    const w = await sendCallbacks(
      server.url,
      callbacks,
      { from: 0, to: WARMUP_CALLBACKS },
      120,
      CONCURRENCY,
      agent,
      expect,
    );
    if (w.failures > 0) throw new Error(`profile warm-up: ${w.failures} failures; first: ${w.firstFailure}`);
    const fromUs = await profiled.startWindow();
    const r = await sendCallbacks(
      server.url,
      callbacks,
      { from: w.next, to: callbacks.length },
      4,
      PROFILE_CONCURRENCY,
      agent,
      expect,
    );
    const profile = await profiled.finish(fromUs);
    if (r.failures > 0) throw new Error(`profile run: ${r.failures} failures; first: ${r.firstFailure}`);
    return { ...profile, callbacks: r.requests, seconds: r.seconds };
  } finally {
    agent.destroy();
    await server.stop();
  }
}

// ---------------------------------------------------------------- report

interface Results {
  date: string;
  machine: Row[];
  sequential: CallbackResult;
  concurrent: CallbackResult;
  verify: Array<{ alg: Alg; raw: Measured; drawbridge: Measured; drawbridgeJwks: Measured; jose: Measured }>;
  stubCounts: StubOp['counts'];
  /** Latency of each durable commit of the floor, ms. */
  commitMs: number[];
  profile?: CallbackProfile;
}

const perRound = (m: Measured) => m.rounds.map((x) => fmt.rate(rate(x))).join(', ');

/** Median over the rounds of the round's rate ÷ the raw verify's rate in the same round. */
function ratioToRaw(m: Measured, raw: Measured): number {
  return median(m.rounds.map((x, k) => rate(x) / rate(raw.rounds[k]!)));
}

function goals(r: Results): Goal[] {
  const s = r.sequential;
  const out: Goal[] = [
    {
      name: `Callback, Drawbridge's own time p50 (one at a time, ${CALLBACK_ALG})`,
      target: `≤ ${GOAL.ownP50Ms} ms`,
      measured: `${fmt.ms(s.ownP50)} ms in the server (p99 ${fmt.ms(s.ownP99)}); seen by the client ${fmt.ms(s.ownClientP50)} ms, or ${fmt.ms(s.ownStubP50)} ms with only the stub's time subtracted; wall p50 ${fmt.ms(s.p50)}, provider round trip ${fmt.us(s.roundTripUsPerCallback)} µs`,
      pass: s.ownP50 <= GOAL.ownP50Ms,
    },
  ];
  for (const v of r.verify) {
    const ratio = ratioToRaw(v.drawbridge, v.raw);
    out.push({
      name: `ID token validation ÷ raw crypto.verify, ${v.alg}`,
      target: `≥ ${GOAL.validationOverRaw}`,
      measured: `${fmt.ratio(ratio)} (${fmt.int(medianRate(v.drawbridge))} / ${fmt.int(medianRate(v.raw))} per s)`,
      pass: ratio >= GOAL.validationOverRaw,
    });
  }
  return out;
}

const CALLBACK_HEADERS = [
  'Callbacks',
  '>callbacks/s',
  '>p50 ms',
  '>p99 ms',
  '>own p50 ms',
  '>own p99 ms',
  '>own p50 ms seen by the client',
  ">client, only the stub's time subtracted",
  '>server CPU µs/callback (of it kernel)',
  '>server CPU',
  '>provider round trip µs (of it the stub)',
  '>bench process CPU µs/callback',
  '>other CPU',
  '>callbacks/s per round',
];

function callbackRows(r: Results): Row[] {
  const floor: Row = [
    'floor: one SQLite commit with fsync',
    '',
    fmt.ms(percentile(r.commitMs, 50)),
    fmt.ms(percentile(r.commitMs, 99)),
    ...Array<string>(9).fill(''),
    `${r.commitMs.length} commits`,
  ];
  const rows = [r.sequential, r.concurrent].map((c) => [
    c.label,
    fmt.rate(c.rate),
    fmt.ms(c.p50),
    fmt.ms(c.p99),
    fmt.ms(c.ownP50),
    fmt.ms(c.ownP99),
    fmt.ms(c.ownClientP50),
    fmt.ms(c.ownStubP50),
    `${fmt.int(c.serverUsPerCallback)} (${fmt.int(c.serverSysUsPerCallback)})`,
    fmt.pct(c.serverCpuPct),
    `${fmt.us(c.roundTripUsPerCallback)} (${fmt.us(c.stubUsPerCallback)})`,
    fmt.int(c.selfUsPerCallback),
    fmt.pct(c.otherCpuPct),
    c.segments.map((s) => fmt.rate(s.callbacks / s.seconds)).join(', '),
  ]);
  return [...rows, floor];
}

const VERIFY_HEADERS = [
  'Algorithm',
  'Contender',
  '>validations/s',
  '>µs each',
  '>÷ raw verify',
  '>other CPU',
  '>per round',
];

function verifyRows(r: Results): Row[] {
  const rows: Row[] = [];
  for (const v of r.verify) {
    const row = (name: string, m: Measured, ratio: boolean): Row => [
      v.alg,
      name,
      fmt.rate(medianRate(m)),
      fmt.us(1e6 / medianRate(m)),
      ratio ? fmt.ratio(ratioToRaw(m, v.raw)) : '',
      fmt.pct(median(m.rounds.map((x) => pctOf(x.otherCpuMs, x)))),
      perRound(m),
    ];
    rows.push(
      row('raw crypto.verify (floor)', v.raw, false),
      row('Drawbridge verifyIdToken, KeyObject given', v.drawbridge, true),
      row('Drawbridge verifyIdToken, key from the JWKS cache', v.drawbridgeJwks, true),
      row('jose jwtVerify (orientation)', v.jose, true),
    );
  }
  return rows;
}

function machineRows(backgroundPct: number): Row[] {
  const runtime = npmStartRuntime(REPO_ROOT);
  const waiting =
    `${quiet.describe(args['wait-quiet'])}; ${quiet.repeated} disturbed callback run(s) repeated` +
    (quiet.disturbedKept > 0 ? `, ${quiet.disturbedKept} kept (budget or reserve spent)` : '');
  return [
    ...hostRows(describeServerCode(), { os: true }),
    [
      'Server runtime (from `npm start`)',
      [...Object.entries(runtime.env).map(([k, v]) => `${k}=${v}`), ...runtime.nodeArgs].join(' ') || 'none',
    ],
    [
      'Libraries',
      `openid-client ${versionOf('openid-client')}, oauth4webapi ${versionOf('oauth4webapi')}, jose ${versionOf('jose')}`,
    ],
    ...loadRows(backgroundPct, quiet.budgetMs > 0 ? waiting : undefined),
  ];
}

function sharedCoresNote(): string {
  return (
    `The machine has ${os.availableParallelism()} cores. The load generator and the stub provider run in the ` +
    'benchmark process, on the same cores as the server: callbacks/s is a lower bound for the server alone, and ' +
    '"server CPU µs/callback" is the figure least disturbed by that. "own" time is each callback\'s time inside ' +
    'the server (from the request handed to the application to the answer handed to the kernel) minus the ' +
    "provider's round trip on its token request, both timed in the server (the issue's \"everything but the " +
    'provider\'s network round trips"); "seen by the client" subtracts the same round trip from the response time ' +
    "the benchmark measured (so it adds the loopback hops to and from this process and this process's own " +
    "delays), and the last column subtracts only the stub's own time on the token request. The one-at-a-time " +
    'run has no queueing, so its p50 is the goal\'s figure. "other CPU" is what every other process on the machine used meanwhile (percent of one core).'
  );
}

function methodText(r: Results): string {
  return [
    `- **Stub provider**: a node:http server in the benchmark process on 127.0.0.1 serves a discovery document (issuer, authorization, token and JWKS endpoints; RS256, PS256, ES256 and EdDSA advertised), a JWKS with one key of each of those algorithms, and a token endpoint. Nothing of the provider's work is timed: the token endpoint checks client authentication (client_secret_basic), grant_type, redirect_uri, the PKCE verifier against the login's S256 challenge and one use per code, then writes an answer serialised beforehand (access token, \`token_type\`, \`expires_in\`, an ID token signed beforehand). It records how long it held each token request, from the request's last byte (until then Drawbridge is still sending) until the answer is written to the socket, and names the callback in an \`x-bench-callback\` answer header. In the server, the preloaded bench/oidc/round-trip-timing.mjs times each token request from its last byte handed to the socket (node:http's \`finish\`) to the answer's headers parsed (\`response\`), by that header, and hands the timings over on SIGUSR2 after each run: that round trip (the loopback network, both processes' wake-ups and the stub's work) is what "own" leaves out; building the request, reading the body and everything after stay in. Over the whole run the server asked it for discovery ${r.stubCounts.discovery} time(s) and for the JWKS ${r.stubCounts.jwks} time(s): per callback, the token request is the only round trip.`,
    `- **Server**: the script \`npm start\` runs (\`dist/main.js\`, built by \`npm run build\` first) with \`npm start\`'s environment and Node.js options, and bench/oidc/round-trip-timing.mjs preloaded (\`--import\`; plain JavaScript, so no TypeScript loader in the server), on a fresh SQLite DATA_DIR and a loopback port, with \`DRAWBRIDGE_ALLOW_PRIVATE_IDP_URLS=true\` (the stub is on 127.0.0.1), \`OIDC_JWKS_COOLDOWN_SECONDS=30\`, \`OIDC_JWKS_MAX_AGE_SECONDS=3600\` and \`OIDC_DISCOVERY_MAX_AGE_SECONDS=3600\`, and \`OIDC_CALLBACK_RATE_LIMIT_PER_MINUTE\` and \`SSO_LOGIN_START_RATE_LIMIT_PER_MINUTE\` raised to 1000000 since all the load comes from one address (the limiters still run); an organisation, four groups with externalIds and a \`generic-oidc\` configuration (client secret, PKCE, default ID token algorithms, no userinfo call) created through the admin API.`,
    `- **Callbacks**: every login is started for real with \`GET /api/v1/auth/oidc/acme-oidc/login/?next=${NEXT_PATH}\` before anything is timed (the state, nonce and PKCE challenge are read from the authorization URL, the browser-binding cookie from the answer), and the stub gets a fresh code with an ${CALLBACK_ALG} ID token carrying that login's nonce. ${USERS} people; the ID token has ${MAPPED_GROUPS.length - 1} of the 4 mapped groups (a different one left out on each of a person's logins, so every returning login adds one SSO group membership and removes another) and ${UNMAPPED_GROUPS.length} unmapped ones. Each callback \`GET …/callback/?code=…&state=…\` with its binding cookie is sent once; every answer must be a 303 to \`${NEXT_PATH}\` that sets a session cookie, or the run fails. That is the whole callback: state lookup and consume, browser binding, code exchange (openid-client: the token request, the token response and the ID token's claims), Drawbridge's own ID token check (signature against the cached JWKS), user lookup and update, group sync, a new session, the login trace and the metrics.`,
    `- **Timing**: a warm-up of ${WARMUP_CALLBACKS} callbacks (each person created, then one returning login) is discarded. Then ${ROUNDS} rounds, each: ${REWARM_CALLBACKS} discarded callbacks (the server sat idle meanwhile), up to ${SEQUENTIAL_MAX} callbacks one at a time, up to ${CONCURRENT_MAX} callbacks ${CONCURRENCY} at a time over keep-alive connections (each run at most ${ROUND_SECONDS} s), then every validation contender and the commit floor. Latency percentiles are over every callback of the runs; callbacks/s is completed callbacks ÷ time. Server CPU is from \`/proc/<pid>/stat\` (all threads, 10 ms ticks) over the runs, ÷ callbacks, nothing subtracted; "of it kernel" is the system-time part (loopback sockets, fsync, epoll). The stub's share is its time on the token requests ÷ the callbacks' summed response times.`,
    `- **Validation**: in this process, ${IN_PROCESS_SET} distinct ID tokens per algorithm with the same claims as the callbacks' (RSA keys 2048 bits, P-256, Ed25519). "Drawbridge verifyIdToken" is \`verifyIdToken\` (src/oidc/id-token.ts: parse, algorithm allowlist, issuer, audience/azp, exp/iat/nbf, nonce, sub, then the node:crypto signature check) with a resolver that returns the key; "key from the JWKS cache" uses Drawbridge's \`remoteKeyResolver\` (jose's remote JWK set, fetched once from the stub, then cached) as the callback does. The floor is one \`crypto.verify\` of the token's signing input with the same key, split beforehand. jose is \`jwtVerify(token, CryptoKey, { issuer, audience, algorithms })\` (no nonce check). Every contender gets an untimed warm-up, then ${ROUNDS} rounds interleaved with the callback runs; in a round each algorithm's four contenders run ${VERIFY_SECONDS / 2} s each in the order A B C D, then D C B A (${VERIFY_SECONDS} s per contender), so drift falls on all four alike. validations/s is the median of the rounds; "÷ raw verify" is the median of the rounds' ratios to the raw verify of the same round.`,
    `- **Commit floor**: in this process, a SQLite database in the same temporary directory as the server's DATA_DIR (so on the same disk) with the server's pragmas (WAL, synchronous=FULL); after each round, up to ${COMMITS_MAX} one-row inserts and deletes (\`DELETE … RETURNING *\`, as the pending login's consume), each its own commit, for at most ${COMMIT_SECONDS} s. Each commit waits for an fsync of the WAL; a callback commits twice (the pending login's consume, then the login's transaction; counted with \`--profile\`).`,
    `- **Waiting for quiet**: with \`--wait-quiet N\`, each callback run and each round of validations first waits until other processes use less than ${BACKGROUND_WARN_PCT}% of a core, and a callback run during which they used more than ${SEGMENT_OTHER_LIMIT_PCT}% is run again with callbacks prepared in reserve, within N s of waiting over the whole run.`,
    ...(r.profile
      ? [
          `- **Profile** (\`--profile\`): after the measurement, a second server under \`node --cpu-prof\` (bench/saml/sqlite-timing.ts preloaded to time each node:sqlite statement by SQL text; with WAL and synchronous=FULL a commit includes its fsync) gets the same warm-up and then ${r.profile.seconds.toFixed(1)} s of callbacks ${PROFILE_CONCURRENCY === 1 ? 'one at a time' : `${PROFILE_CONCURRENCY} at a time`}; only that window's samples are summarised, idle time left out. The profiler slows the server: these are shares, not rates.`,
        ]
      : []),
  ].join('\n');
}

function profileLoad(): string {
  return PROFILE_CONCURRENCY === 1 ? 'one at a time' : `${PROFILE_CONCURRENCY} at a time`;
}

const SQL_HEADERS = sqlHeaders('callback');

function printReport(r: Results): void {
  const out = reportHead('OIDC benchmark', r.date, r.machine, sharedCoresNote());
  out.push(textTable(CALLBACK_HEADERS, callbackRows(r)), '');
  out.push(textTable(VERIFY_HEADERS, verifyRows(r)), '');
  out.push(goalTable(goals(r)), '');
  if (r.profile) {
    const p = r.profile;
    out.push(
      `Profile of the callback server (${p.callbacks} callbacks ${profileLoad()} in ${p.seconds.toFixed(1)} s under --cpu-prof, ${fmt.us((p.summary.busyMs * 1000) / p.callbacks)} µs busy per callback; ${p.file}):`,
      '',
      ...profileTextTables(p.summary, [25, 15, 25]),
      '',
      `Time inside SQLite by statement (the profiled server took ${fmt.us((p.seconds * 1e6) / p.callbacks)} µs of wall time per callback, ${fmt.us((p.summary.busyMs * 1000) / p.callbacks)} µs of it busy):`,
      textTable(SQL_HEADERS, sqlRows(p.sql, p.callbacks, 15)),
      '',
    );
  }
  console.log(out.join('\n'));
}

function markdownOf(r: Results): string {
  const p = r.profile;
  return [
    '## OIDC callback and ID token validation',
    '',
    measuredOn(r.date, COMMAND, 'bench/oidc.ts'),
    '',
    goalTable(goals(r), true),
    '',
    `### (a) Callbacks against a provider stubbed at the socket (${CALLBACK_ALG} ID tokens, SQLite)`,
    '',
    markdownTable(CALLBACK_HEADERS, callbackRows(r)),
    '',
    sharedCoresNote(),
    '',
    '### (b) ID token validations, in process',
    '',
    markdownTable(VERIFY_HEADERS, verifyRows(r)),
    '',
    '### Machine',
    '',
    markdownTable(['Item', 'Value'], r.machine),
    ...(p
      ? [
          '',
          `### Where the callback server's time goes (\`--profile\`, ${p.callbacks} callbacks ${profileLoad()})`,
          '',
          ...profileMarkdownTables(p.summary),
          '',
          `Time inside SQLite by statement, per callback (the profiled server took ${fmt.us((p.seconds * 1e6) / p.callbacks)} µs of wall time per callback, ${fmt.us((p.summary.busyMs * 1000) / p.callbacks)} µs of it busy):`,
          '',
          markdownTable(SQL_HEADERS, sqlRows(p.sql, p.callbacks, 10)),
        ]
      : []),
    '',
    '### Method',
    '',
    methodText(r),
  ].join('\n');
}

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  const began = Date.now();
  const backgroundPct = await backgroundLoad(progress);
  await warmUpFetch();
  const keys = new Map(ALGS.map((alg) => [alg, makeKey(alg)] as const));
  const op = await startStubOp({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    jwks: { keys: [...keys.values()].map((k) => k.jwk) },
    idTokenAlgs: [...ALGS],
  });
  cleanups.push(op.close);
  const timingDir = mkdtempSync(join(os.tmpdir(), 'drawbridge-oidc-round-trips-'));
  cleanups.push(async () => rmSync(timingDir, { recursive: true, force: true }));
  const roundTripFile = join(timingDir, 'round-trips.json');
  const server = await startServer({
    env: { ...SERVER_ENV, ROUND_TRIP_TIMING_FILE: roundTripFile },
    nodeArgs: ['--import', pathToFileURL(join(REPO_ROOT, 'bench/oidc/round-trip-timing.mjs')).href],
  });
  cleanups.push(server.stop);
  const agent = new Agent({ keepAlive: true, maxSockets: Math.max(CONCURRENCY, LOGIN_START_CONCURRENCY) });
  cleanups.push(async () => agent.destroy());
  const setup = await setUpOidc(server.url, op.issuer, MAPPED_GROUPS);
  const perRoundCallbacks = REWARM_CALLBACKS + SEQUENTIAL_MAX + CONCURRENT_MAX;
  // One round's worth more, for callback runs that other processes disturbed (--wait-quiet).
  const reserve = quiet.budgetMs > 0 ? SEQUENTIAL_MAX + CONCURRENT_MAX : 0;
  const total = WARMUP_CALLBACKS + ROUNDS * perRoundCallbacks + reserve;
  progress(`server ready at ${server.url}; starting ${total} logins and signing their ID tokens (not timed)`);
  const t0 = Date.now();
  const callbacks = await prepareCallbacks(server, setup, op, keys.get(CALLBACK_ALG)!, total, 0, agent);
  progress(`prepared in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const expect = `${server.url}${NEXT_PATH}`;
  let cursor = 0;
  const send = async (count: number, seconds: number, concurrency: number): Promise<CallbackRun> => {
    const r = await sendCallbacks(
      server.url,
      callbacks,
      { from: cursor, to: cursor + count },
      seconds,
      concurrency,
      agent,
      expect,
    ).catch((err: Error) => {
      throw isRunning(server.pid)
        ? err
        : new Error(
            `the server process ${server.pid} is gone (${err.message}); its last output:\n${server.logTail()}`,
          );
    });
    cursor = r.next;
    if (r.failures > 0 || op.refused.count > 0) {
      throw new Error(
        `callbacks: ${r.failures} of ${r.requests} answers were not a 303 with a session (status codes ` +
          `${JSON.stringify(r.statusCodes)}); first: ${r.firstFailure}; stub refusals: ${op.refused.count} ` +
          `(${op.refused.first ?? 'none'})\n--- server output ---\n${server.logTail()}`,
      );
    }
    return r;
  };

  /**
   * With --wait-quiet: waits for idle, and runs again (from the reserve, within the budget) a
   * callback run during which other processes used more than SEGMENT_OTHER_LIMIT_PCT of a core.
   */
  const quietCallbacks = (
    run: () => Promise<CallbackSegment>,
    count: number,
    /** Callbacks the rest of the plan needs after this run. */
    plannedAfter: number,
  ): Promise<CallbackSegment> =>
    quiet.measureQuietly(
      run,
      (seg) => (seg.otherCpuMs / (seg.seconds * 1000)) * 100,
      SEGMENT_OTHER_LIMIT_PCT,
      () => callbacks.length - cursor >= count + plannedAfter,
    );

  progress(`warm-up: ${WARMUP_CALLBACKS} callbacks (untimed)`);
  const w = await send(WARMUP_CALLBACKS, 300, CONCURRENCY);
  if (w.requests !== WARMUP_CALLBACKS) throw new Error('callback warm-up did not finish');
  const verify = await verifyContenders(op, keys);
  for (const v of verify) for (const c of [v.raw, v.drawbridge, v.drawbridgeJwks, v.jose]) await c.warmUp();

  const commitStore = openCommitDb();
  cleanups.push(async () => commitStore.close());
  const commitDb = commitStore.db;
  measureCommits(commitDb); // warm-up
  const commits: number[][] = [];
  const sequential: CallbackSegment[] = [];
  const concurrent: CallbackSegment[] = [];
  const rounds = new Map<Contender, Measured['rounds']>();
  for (const v of verify) for (const c of [v.raw, v.drawbridge, v.drawbridgeJwks, v.jose]) rounds.set(c, []);
  for (let i = 1; i <= ROUNDS; i++) {
    progress(`round ${i}/${ROUNDS}: callbacks one at a time, ${CONCURRENCY} at a time, then validations`);
    await send(REWARM_CALLBACKS, 30, CONCURRENCY);
    const left = ROUNDS - i;
    sequential.push(
      await quietCallbacks(
        () => runCallbacks(server, roundTripFile, op, send, SEQUENTIAL_MAX, 1),
        SEQUENTIAL_MAX,
        CONCURRENT_MAX + left * perRoundCallbacks,
      ),
    );
    concurrent.push(
      await quietCallbacks(
        () => runCallbacks(server, roundTripFile, op, send, CONCURRENT_MAX, CONCURRENCY),
        CONCURRENT_MAX,
        left * perRoundCallbacks,
      ),
    );
    await quiet.wait();
    for (const v of verify) {
      // A B C D, then D C B A: drift during the round falls on every contender alike.
      const order = [v.raw, v.drawbridge, v.drawbridgeJwks, v.jose];
      const first = new Map<Contender, Round>();
      for (const c of order) first.set(c, await measureRound(c));
      for (const c of order.reverse()) rounds.get(c)!.push(addRounds(first.get(c)!, await measureRound(c)));
    }
    commits.push(measureCommits(commitDb));
  }
  // The stub's counts are the server's requests: the in-process resolver's own fetches left out.
  const stubCounts = { ...op.counts, jwks: op.counts.jwks - benchJwksFetches };
  await server.stop();

  let profile: CallbackProfile | undefined;
  if (args.profile) {
    progress('profiling the callback server (node --cpu-prof), not part of the numbers');
    profile = await profileCallbacks(op, keys.get(CALLBACK_ALG)!);
  }

  const m = (c: Contender): Measured => ({ name: c.name, rounds: rounds.get(c)! });
  const results: Results = {
    date: reportDate(),
    machine: machineRows(backgroundPct),
    sequential: mergeCallbacks('one at a time', 1, sequential),
    concurrent: mergeCallbacks(`${CONCURRENCY} at a time`, CONCURRENCY, concurrent),
    verify: verify.map((v) => ({
      alg: v.alg,
      raw: m(v.raw),
      drawbridge: m(v.drawbridge),
      drawbridgeJwks: m(v.drawbridgeJwks),
      jose: m(v.jose),
    })),
    stubCounts,
    commitMs: commits.flat(),
    ...(profile ? { profile } : {}),
  };
  printReport(results);
  if (args.write) writePerformanceSection('bench:oidc', markdownOf(results), progress);
  const missed = goals(results).filter((g) => !g.pass).length;
  progress(`done in ${((Date.now() - began) / 1000).toFixed(0)} s; ${goalVerdict(goals(results))}`);
  return missed > 0 && args.strict ? 1 : 0;
}

await runBenchmark('bench:oidc', main);
