/**
 * Core benchmark (`npm run bench:core`, `npm run bench:core -- --write`):
 *
 *  1. start time: the server `npm start` runs (`node dist/main.js`, built beforehand) on a fresh DATA_DIR (SQLite) until /readyz answers 200,
 *     five times;
 *  2. idle memory: VmRSS of the server 2 s after each of those starts;
 *  3. throughput: GET /healthz (no auth, no database) against GET /api/v1/auth/me with a
 *     session cookie (session lookup + profile queries), on SQLite and on PostgreSQL.
 *
 * Loopback only, bounded (about 75 s, plus at most N s with --wait-quiet N), and every child
 * process is stopped at the end, on error and on Ctrl-C. `--write` (or BENCH_WRITE=1) updates
 * docs/performance.md; `--help` lists the options.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type CoreOptions, START_RUNS } from './core/plan.ts';
import { postgresReachable, withPostgresDatabase } from './core/postgres.ts';
import { markdownOf, printReport } from './core/report.ts';
import { machineRows, type Report } from './core/report-tables.ts';
import { measureStarts, type StartRun } from './core/starts.ts';
import { type EngineResult, measureThroughput } from './core/throughput.ts';
import type { LoadSettings } from './lib/load.ts';
import { describeServerCode } from './lib/machine.ts';
import { checkOut } from './lib/other-checkout.ts';
import {
  cleanups,
  commandLine,
  parseBenchArgs,
  progressLog,
  runBenchmark,
  wholeNumberArg,
} from './lib/program.ts';
import { backgroundLoad, QuietWaiter } from './lib/quiet.ts';
import { fmt, type Goal, goalVerdict, reportDate, writePerformanceSection } from './lib/report.ts';
import { REPO_ROOT, warmUpFetch } from './lib/server-process.ts';
import { median } from './lib/stats.ts';

const GOALS = { startMs: 1000, idleRssMiB: 120, meOverBare: 0.5 };
const COMMAND = commandLine('bench:core');

const args = parseBenchArgs(
  {
    'skip-postgres': { type: 'boolean', default: false },
    'server-dir': { type: 'string', default: REPO_ROOT },
    commit: { type: 'string' },
    connections: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '10' },
  },
  `Usage: npm run bench:core -- [options]

  --write           update docs/performance.md (also BENCH_WRITE=1)
  --strict          exit 1 when a goal is missed (a failed measurement always exits 1)
  --skip-postgres   SQLite only
  --connections N   autocannon connections (default 10)
  --seconds N       measured seconds per route, split in two alternating halves (default 10)
  --server-dir DIR  run DIR's server instead of this checkout's (to compare two versions)
  --commit REV      run commit REV of this repository from a clean checkout (a git worktree,
                    removed afterwards), so that uncommitted edits do not count; it uses this
                    checkout's node_modules when the lockfiles agree, else its own npm ci
  --wait-quiet N    before each start and each load run, wait until other processes are idle,
                    at most N seconds in all (for shared machines; default 0: never wait)

  BENCH_POSTGRES_URL  admin connection for the throwaway database
                      (default postgres://postgres@127.0.0.1:5432/postgres)`,
);

const settings: LoadSettings = {
  connections: wholeNumberArg('--connections', args.connections, 1),
  segmentSeconds: Number(args.seconds) / 2,
};
if (!(settings.segmentSeconds >= 1)) throw new Error('--seconds: expected at least 2');

const progress = progressLog('bench');
const exported = args.commit === undefined ? undefined : checkOut(args.commit, progress);
if (exported) cleanups.push(exported.remove);
const SERVER_ROOT = exported?.root ?? resolve(args['server-dir']);
if (!existsSync(join(SERVER_ROOT, 'src/main.ts'))) throw new Error(`no src/main.ts in ${SERVER_ROOT}`);
const POSTGRES_ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const quiet = new QuietWaiter(Number(args['wait-quiet']), progress);
const opts: CoreOptions = { serverRoot: SERVER_ROOT, settings };

function goalsOf(starts: StartRun[], engines: EngineResult[]): Goal[] {
  const startMed = median(starts.map((s) => s.startMs));
  const startMax = Math.max(...starts.map((s) => s.startMs));
  const rssMed = median(starts.map((s) => s.idle.totalKiB));
  const rssMax = Math.max(...starts.map((s) => s.idle.totalKiB));
  const goals: Goal[] = [
    {
      name: `Start → ready, SQLite (median of ${START_RUNS})`,
      target: `≤ ${GOALS.startMs} ms`,
      measured: `${fmt.ms(startMed)} ms (max ${fmt.ms(startMax)})`,
      pass: startMed <= GOALS.startMs,
    },
    {
      name: `Idle RSS, SQLite (median of ${START_RUNS})`,
      target: `≤ ${GOALS.idleRssMiB} MiB`,
      measured: `${fmt.mib(rssMed)} MiB (max ${fmt.mib(rssMax)})`,
      pass: rssMed / 1024 <= GOALS.idleRssMiB,
    },
  ];
  for (const e of engines) {
    const ratio = e.me.rps / e.bare.rps;
    goals.push({
      name: `/auth/me ÷ /healthz req/s, ${e.engine}`,
      target: `≥ ${GOALS.meOverBare}`,
      measured: `${fmt.ratio(ratio)} (${fmt.int(e.me.rps)} / ${fmt.int(e.bare.rps)})`,
      pass: ratio >= GOALS.meOverBare,
    });
  }
  return goals;
}

async function main(): Promise<number> {
  const began = Date.now();
  const backgroundPct = await backgroundLoad(progress);
  await warmUpFetch();
  progress(`start time and idle memory: ${START_RUNS} fresh starts of ${SERVER_ROOT}'s server`);
  const starts = await measureStarts(opts, quiet, progress);

  const engines: EngineResult[] = [await measureThroughput('SQLite', opts, quiet, progress)];

  let postgresVersion: string | undefined;
  const postgresNote = args['skip-postgres']
    ? 'skipped (--skip-postgres)'
    : await postgresReachable(POSTGRES_ADMIN_URL);
  if (postgresNote === undefined) {
    const result = await withPostgresDatabase(POSTGRES_ADMIN_URL, async (url, name, version) => {
      postgresVersion = version;
      return measureThroughput('PostgreSQL', opts, quiet, progress, { url, name });
    });
    engines.push(result);
  } else {
    progress(`PostgreSQL ${postgresNote}`);
  }

  const report: Report = {
    date: reportDate(),
    machine: machineRows(
      exported
        ? `commit ${exported.label} (a clean checkout; uncommitted edits not included)`
        : describeServerCode(SERVER_ROOT),
      postgresVersion,
      backgroundPct,
      quiet,
      args['wait-quiet'],
    ),
    backgroundPct,
    starts,
    engines,
    goals: goalsOf(starts, engines),
    ...(postgresNote ? { postgresNote } : {}),
  };
  printReport(report);
  if (args.write) writePerformanceSection('bench:core', markdownOf(report, settings, COMMAND), progress);
  const missed = report.goals.filter((g) => !g.pass).length;
  progress(`done in ${((Date.now() - began) / 1000).toFixed(0)} s; ${goalVerdict(report.goals)}`);
  return missed > 0 && args.strict ? 1 : 0;
}

await runBenchmark('bench:core', main);
