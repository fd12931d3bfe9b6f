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
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Contender, type Measured, measureRound, medianRate, type Round } from './lib/measure.ts';
import {
  cleanups,
  commandLine,
  parseBenchArgs,
  progressLog,
  runBenchmark,
  wholeNumberArg,
} from './lib/program.ts';
import { BACKGROUND_WARN_PCT, backgroundLoad, QuietWaiter } from './lib/quiet.ts';
import { fmt, type Goal, goalVerdict, reportDate, writePerformanceSection } from './lib/report.ts';
import { REPO_ROOT, startServer, warmUpFetch } from './lib/server-process.ts';
import { type CallbackSegment, mergeCallbacks, runCallbacks } from './oidc/callback-runs.ts';
import { callbackSender } from './oidc/callback-sender.ts';
import { measureCommits, openCommitDb } from './oidc/commit-floor.ts';
import { CLIENT_ID, CLIENT_SECRET, setUpOidc } from './oidc/drawbridge.ts';
import { ALGS, type Alg, makeKey } from './oidc/jwt.ts';
import {
  LOGIN_START_CONCURRENCY,
  MAPPED_GROUPS,
  type OidcOptions,
  REWARM_CALLBACKS,
  ROUNDS,
  SEGMENT_OTHER_LIMIT_PCT,
  SERVER_ENV,
  WARMUP_CALLBACKS,
} from './oidc/plan.ts';
import { prepareCallbacks } from './oidc/prepare-callbacks.ts';
import { type CallbackProfile, profileCallbacks } from './oidc/profile-callbacks.ts';
import { markdownOf, printReport } from './oidc/report.ts';
import { machineRows, type Results } from './oidc/report-tables.ts';
import { startStubOp } from './oidc/stub-op.ts';
import { addRounds, inProcessJwksFetches, ratioToRaw, verifyContenders } from './oidc/verify-contenders.ts';

const GOAL = { ownP50Ms: 2, validationOverRaw: 0.5 };
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
const opts: OidcOptions = {
  alg: CALLBACK_ALG,
  concurrency: CONCURRENCY,
  profileConcurrency: PROFILE_CONCURRENCY,
  roundSeconds: ROUND_SECONDS,
  sequentialMax: SEQUENTIAL_MAX,
  concurrentMax: CONCURRENT_MAX,
  verifySeconds: VERIFY_SECONDS,
};

/**
 * The machine's speed in this run, beside the latency goal: a shared VM's speed drifts by a third
 * and more from minute to minute, and the issue set the goal where raw RS256 verifies ran at
 * about 35,000/s and jose's `jwtVerify` at about 11,000/s. The raw rate turned out a weak gauge
 * (native code: the same callback missed at 39,400/s and passed at 32,500/s), so jose's rate
 * (JavaScript and WebCrypto, closer to the callback's mix) and the server's CPU time per
 * one-at-a-time callback are printed too: the same work costs more CPU when the host is slow
 * (docs/performance.md, OIDC notes). Context for the reader; the goal is judged on the measured
 * time alone.
 */
const ISSUE_RAW_RS256_PER_S = 35_000;
const ISSUE_JOSE_RS256_PER_S = 11_000;
function machineSpeed(r: Results): string {
  const rs256 = r.verify.find((v) => v.alg === 'RS256');
  const cpu = `server CPU ${fmt.int(r.sequential.serverUsPerCallback)} µs per callback`;
  if (!rs256) return cpu;
  return `${cpu}, raw RS256 verify ${fmt.int(medianRate(rs256.raw))}/s and jose jwtVerify ${fmt.int(medianRate(rs256.jose))}/s (the issue's reference about ${fmt.int(ISSUE_RAW_RS256_PER_S)}/s and ${fmt.int(ISSUE_JOSE_RS256_PER_S)}/s)`;
}

function goals(r: Results): Goal[] {
  const s = r.sequential;
  const out: Goal[] = [
    {
      name: `Callback, Drawbridge's own time p50 (one at a time, ${CALLBACK_ALG})`,
      target: `≤ ${GOAL.ownP50Ms} ms`,
      measured: `${fmt.ms(s.ownP50)} ms in the server (p99 ${fmt.ms(s.ownP99)}); seen by the client ${fmt.ms(s.ownClientP50)} ms, or ${fmt.ms(s.ownStubP50)} ms with only the stub's time subtracted; wall p50 ${fmt.ms(s.p50)}, provider round trip ${fmt.us(s.roundTripUsPerCallback)} µs; machine: ${machineSpeed(r)}`,
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
  const total = 2 * WARMUP_CALLBACKS + ROUNDS * perRoundCallbacks + reserve;
  progress(`server ready at ${server.url}; starting ${total} logins and signing their ID tokens (not timed)`);
  const t0 = Date.now();
  const callbacks = await prepareCallbacks(server, setup, op, keys.get(CALLBACK_ALG)!, total, 0, agent);
  progress(`prepared in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const send = callbackSender(server, callbacks, agent, { refused: op.refused });

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
      () => send.remaining() >= count + plannedAfter,
    );

  progress(
    `warm-up: ${WARMUP_CALLBACKS} callbacks ${CONCURRENCY} at a time, then ${WARMUP_CALLBACKS} one at a time (untimed)`,
  );
  // Both ways, so the code only one at a time runs (a lone transaction, no savepoints) is as
  // warm as the rest when the latency runs start.
  for (const concurrency of [CONCURRENCY, 1]) {
    const w = await send(WARMUP_CALLBACKS, 300, concurrency);
    if (w.requests !== WARMUP_CALLBACKS) throw new Error('callback warm-up did not finish');
  }
  const verify = await verifyContenders(op, keys, VERIFY_SECONDS);
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
        () => runCallbacks(server, roundTripFile, op, send, SEQUENTIAL_MAX, 1, ROUND_SECONDS),
        SEQUENTIAL_MAX,
        CONCURRENT_MAX + left * perRoundCallbacks,
      ),
    );
    concurrent.push(
      await quietCallbacks(
        () => runCallbacks(server, roundTripFile, op, send, CONCURRENT_MAX, CONCURRENCY, ROUND_SECONDS),
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
  const stubCounts = { ...op.counts, jwks: op.counts.jwks - inProcessJwksFetches() };
  await server.stop();

  let profile: CallbackProfile | undefined;
  if (args.profile) {
    progress('profiling the callback server (node --cpu-prof), not part of the numbers');
    profile = await profileCallbacks(op, keys.get(CALLBACK_ALG)!, opts);
  }

  const m = (c: Contender): Measured => ({ name: c.name, rounds: rounds.get(c)! });
  const results: Results = {
    date: reportDate(),
    machine: machineRows(backgroundPct, quiet, args['wait-quiet']),
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
  printReport(results, goals(results), opts);
  if (args.write)
    writePerformanceSection('bench:oidc', markdownOf(results, goals(results), opts, COMMAND), progress);
  const missed = goals(results).filter((g) => !g.pass).length;
  progress(`done in ${((Date.now() - began) / 1000).toFixed(0)} s; ${goalVerdict(goals(results))}`);
  return missed > 0 && args.strict ? 1 : 0;
}

await runBenchmark('bench:oidc', main);
