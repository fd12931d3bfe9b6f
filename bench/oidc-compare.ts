/**
 * Two versions of Drawbridge's OIDC callback, interleaved in one run
 * (`npm run bench:oidc:compare -- --against REF`): this checkout (the working tree, built as
 * `npm start` builds it) and REF (a commit, checked out beside it), each its own server on
 * SQLite, the same stub provider, the same people and ID tokens, callbacks one at a time.
 *
 * This VM's speed drifts by a third from minute to minute, more than most changes are worth,
 * so two separate bench:oidc runs cannot tell a 5% change from the weather. Here the two
 * servers take turns in short runs (A B B A …), so drift falls on both alike. A server process
 * also has a speed of its own (the same code measured up to 18% apart in two processes side by
 * side, all phases alike, for a whole run), so each version runs in several processes in turn
 * (--processes), fresh pairs of servers each time, and the report
 * gives each version's own time (as bench:oidc measures it), its server CPU per callback, and
 * where the time inside the server went, phase by phase (bench/oidc/round-trip-timing.mjs with
 * PHASE_TIMING=1), plus how many run pairs each version won.
 *
 * Only printed: docs/performance.md quotes it by hand. About a minute and a half.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkOut } from './lib/other-checkout.ts';
import {
  cleanups,
  commandLine,
  parseBenchArgs,
  progressLog,
  runBenchmark,
  wholeNumberArg,
} from './lib/program.ts';
import { fmt, type Row, reportDate, textTable } from './lib/report.ts';
import { REPO_ROOT, type ServerProcess, startServer, warmUpFetch } from './lib/server-process.ts';
import { median, percentile } from './lib/stats.ts';
import { type CallbackPhases, type CallbackSegment, runCallbacks } from './oidc/callback-runs.ts';
import { callbackSender, type SendNext } from './oidc/callback-sender.ts';
import { CLIENT_ID, CLIENT_SECRET, setUpOidc } from './oidc/drawbridge.ts';
import { makeKey } from './oidc/jwt.ts';
import { LOGIN_START_CONCURRENCY, MAPPED_GROUPS, SERVER_ENV, WARMUP_CALLBACKS } from './oidc/plan.ts';
import { prepareCallbacks } from './oidc/prepare-callbacks.ts';
import { type StubOp, startStubOp } from './oidc/stub-op.ts';

const args = parseBenchArgs(
  {
    against: { type: 'string' },
    processes: { type: 'string', default: '4' },
    pairs: { type: 'string', default: '2' },
    'per-run': { type: 'string', default: '100' },
  },
  `Usage: npm run bench:oidc:compare -- --against REF [options]

  --against REF   the commit to compare this checkout (the working tree) with, e.g. HEAD~3
  --processes N   fresh pairs of servers, one after the other (default 4)
  --pairs N       run pairs per pair of servers, alternating which version goes first (default 2)
  --per-run N     callbacks, one at a time, in each run (default 100)`,
);
if (!args.against) throw new Error('--against REF is required (see --help)');
if (args.write) throw new Error('--write: bench:oidc:compare only prints (docs/performance.md quotes it)');
const PROCESSES = wholeNumberArg('--processes', args.processes, 1, 20);
const PAIRS = wholeNumberArg('--pairs', args.pairs, 1, 50);
const PER_RUN = wholeNumberArg('--per-run', args['per-run'], 20, 2000);
const progress = progressLog('bench:oidc:compare');

interface Side {
  label: string;
  server: ServerProcess;
  roundTripFile: string;
  send: SendNext;
}

const PHASES: Array<[keyof CallbackPhases, string]> = [
  ['front', 'to the first query'],
  ['reads', 'reads'],
  ['tokenRequest', 'token request built and sent'],
  ['afterToken', 'token answer → begin'],
  ['transaction', 'transaction'],
  ['commit', 'commit (fsync)'],
  ['answer', 'answer'],
];

/** A fresh server of one version with its logins prepared and warmed up. */
async function startSide(
  label: string,
  root: string,
  op: StubOp,
  key: ReturnType<typeof makeKey>,
  agent: Agent,
): Promise<Side> {
  const dir = mkdtempSync(join(os.tmpdir(), 'drawbridge-compare-timing-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  const roundTripFile = join(dir, 'round-trips.json');
  const server = await startServer({
    root,
    env: { ...SERVER_ENV, ROUND_TRIP_TIMING_FILE: roundTripFile, PHASE_TIMING: '1' },
    // This checkout's preload for both: the same measurement of either version.
    nodeArgs: ['--import', pathToFileURL(join(REPO_ROOT, 'bench/oidc/round-trip-timing.mjs')).href],
  });
  cleanups.push(server.stop);
  const setup = await setUpOidc(server.url, op.issuer, MAPPED_GROUPS);
  const count = 2 * WARMUP_CALLBACKS + 2 * PAIRS * PER_RUN;
  progress(`${label}: server ready; starting ${count} logins (not timed)`);
  const callbacks = await prepareCallbacks(server, setup, op, key, count, 0, agent);
  const send = callbackSender(server, callbacks, agent, { label, refused: op.refused });
  // Warmed up both ways, as bench:oidc is: without the one-at-a-time half, the code only a lone
  // callback runs stayed cold, and every version measured about 0.5 ms slower than bench:oidc
  // did at the same moment (docs/performance.md, OIDC notes).
  await send(WARMUP_CALLBACKS, 300, LOGIN_START_CONCURRENCY);
  await send(WARMUP_CALLBACKS, 300, 1);
  return { label, server, roundTripFile, send };
}

async function main(): Promise<number> {
  const began = Date.now();
  await warmUpFetch();
  const key = makeKey('RS256');
  const op = await startStubOp({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    jwks: { keys: [key.jwk] },
    idTokenAlgs: ['RS256'],
  });
  cleanups.push(op.close);
  progress(`checking out ${args.against}`);
  const other = checkOut(args.against!, progress);
  cleanups.push(other.remove);
  const agent = new Agent({ keepAlive: true, maxSockets: LOGIN_START_CONCURRENCY });
  cleanups.push(async () => agent.destroy());

  const versions = [
    { label: 'this checkout', root: REPO_ROOT, runs: [] as CallbackSegment[] },
    { label: other.label, root: other.root, runs: [] as CallbackSegment[] },
  ];
  for (let process = 0; process < PROCESSES; process++) {
    // Which version starts (and so prepares and warms up) first alternates too.
    const order = process % 2 === 0 ? versions : [...versions].reverse();
    const sides: Side[] = [];
    for (const version of order) sides.push(await startSide(version.label, version.root, op, key, agent));
    for (let pair = 0; pair < PAIRS; pair++) {
      progress(`servers ${process + 1}/${PROCESSES}, pair ${pair + 1}/${PAIRS}`);
      for (const side of pair % 2 === 0 ? sides : [...sides].reverse()) {
        const run = await runCallbacks(side.server, side.roundTripFile, op, side.send, PER_RUN, 1, 60);
        versions.find((v) => v.label === side.label)!.runs.push(run);
      }
    }
    for (const side of sides) await side.server.stop();
  }

  const ownP50 = (runs: CallbackSegment[]) =>
    percentile(
      runs.flatMap((r) => r.ownMs),
      50,
    );
  const rows: Row[] = versions.map((side) => {
    const own = side.runs.flatMap((r) => r.ownMs);
    const callbacks = side.runs.reduce((n, r) => n + r.callbacks, 0);
    const cpuUs = (side.runs.reduce((n, r) => n + r.serverCpuMs, 0) * 1000) / callbacks;
    const phases = side.runs.flatMap((r) => r.phases);
    return [
      side.label,
      fmt.int(callbacks),
      fmt.ms(percentile(own, 50)),
      fmt.ms(percentile(own, 90)),
      fmt.int(cpuUs),
      ...PHASES.map(([k]) => (phases.length > 0 ? fmt.int(median(phases.map((p) => p[k])) * 1000) : '–')),
    ];
  });
  // The tails: which phase a slow callback spent its time in.
  const tailRows: Row[] = versions.map((side) => {
    const phases = side.runs.flatMap((r) => r.phases);
    return [
      side.label,
      fmt.ms(
        percentile(
          side.runs.flatMap((r) => r.ownMs),
          99,
        ),
      ),
      ...PHASES.map(([k]) =>
        phases.length > 0
          ? fmt.int(
              percentile(
                phases.map((p) => p[k]),
                99,
              ) * 1000,
            )
          : '–',
      ),
    ];
  });
  const [mine, theirs] = versions as [(typeof versions)[0], (typeof versions)[0]];
  const runCount = mine.runs.length;
  const wins = mine.runs.filter((r, i) => ownP50([r]) < ownP50([theirs.runs[i]!])).length;
  // Per pair of server processes: the ratio of their own-time p50s.
  const perProcess = Array.from({ length: PROCESSES }, (_, i) => {
    const slice = (runs: CallbackSegment[]) => runs.slice(i * PAIRS, (i + 1) * PAIRS);
    return ownP50(slice(mine.runs)) / ownP50(slice(theirs.runs));
  });
  console.log(
    [
      '',
      `Drawbridge OIDC callback, two versions interleaved — ${reportDate()}`,
      `${commandLine('bench:oidc:compare')}; ${PROCESSES} pairs of server processes one after the other, each measured in ${PAIRS} pairs of runs of ${PER_RUN} callbacks one at a time (RS256, SQLite), alternating which goes first`,
      '',
      textTable(
        [
          'Version',
          '>callbacks',
          '>own p50 ms',
          '>own p90 ms',
          '>server CPU µs/callback',
          ...PHASES.map(([, name]) => `>${name} µs p50`),
        ],
        rows,
      ),
      '',
      textTable(['Version', '>own p99 ms', ...PHASES.map(([, name]) => `>${name} µs p99`)], tailRows),
      '',
      `Own time p50, run by run (this checkout / ${theirs.label}): ${mine.runs
        .map((r, i) => `${fmt.ms(ownP50([r]))}/${fmt.ms(ownP50([theirs.runs[i]!]))}`)
        .join(', ')}`,
      `This checkout ÷ ${theirs.label}, own p50 per pair of server processes: ${perProcess.map(fmt.ratio).join(', ')}`,
      `This checkout ÷ ${theirs.label}: own p50 ${fmt.ratio(ownP50(mine.runs) / ownP50(theirs.runs))} over all runs, lower in ${wins} of ${runCount} run pairs`,
      '',
      'Phases are medians (and 99th percentiles) of each callback\'s own split inside the server (they need not add up to the own time); "own" leaves out the provider\'s round trip, as in bench:oidc.',
    ].join('\n'),
  );
  progress(`done in ${((Date.now() - began) / 1000).toFixed(0)} s`);
  return 0;
}

await runBenchmark('bench:oidc:compare', main);
