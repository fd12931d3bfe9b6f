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
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { adminPost } from './lib/admin-api.ts';
import {
  assertClean,
  type LoadSettings,
  type Measurement,
  merge,
  otherCpuPct,
  type Probes,
  runSegment,
  type Segment,
  type Target,
} from './lib/load.ts';
import { describeServerCode, hostRows, loadRows } from './lib/machine.ts';
import { cpuMsOfProcessesMatching, type Rss, rss, systemBusyMs } from './lib/proc-usage.ts';
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
import { REPO_ROOT, type ServerProcess, startServer, warmUpFetch } from './lib/server-process.ts';
import { median } from './lib/stats.ts';

const GOALS = { startMs: 1000, idleRssMiB: 120, meOverBare: 0.5 };
const START_RUNS = 5;
const IDLE_WAIT_MS = 2_000;
const WARMUP_SECONDS = 2;
/** With --wait-quiet, a load run during which other processes used more than this is repeated. */
const SEGMENT_OTHER_LIMIT_PCT = 15;
const PASSWORD = 'bench-password-0123456789';
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
  --commit REV      run a clean export (git archive) of commit REV of this repository, so that
                    uncommitted edits do not count; uses this checkout's node_modules
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

/** A clean copy of commit `rev` in a temporary directory, removed at exit. */
function exportCommit(rev: string): { root: string; label: string } {
  const git = (...a: string[]) =>
    execFileSync('git', ['-C', REPO_ROOT, ...a], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 });
  const commit = git('rev-parse', '--short', `${rev}^{commit}`).toString().trim();
  const root = mkdtempSync(join(os.tmpdir(), `drawbridge-bench-${commit}-`));
  process.on('exit', () => rmSync(root, { recursive: true, force: true }));
  execFileSync('tar', ['-x', '-C', root], { input: git('archive', '--format=tar', commit) });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'));
  return { root, label: `commit ${commit} (clean export; uncommitted edits not included)` };
}

const exported = args.commit === undefined ? undefined : exportCommit(args.commit);
const SERVER_ROOT = exported?.root ?? resolve(args['server-dir']);
if (!existsSync(join(SERVER_ROOT, 'src/main.ts'))) throw new Error(`no src/main.ts in ${SERVER_ROOT}`);
const POSTGRES_ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const progress = progressLog('bench');
const quiet = new QuietWaiter(Number(args['wait-quiet']), progress);

/** One load run; with --wait-quiet, a run disturbed by other processes is repeated (within the budget). */
function quietSegment(target: Target, s: LoadSettings, probes: Probes): Promise<Segment> {
  return quiet.measureQuietly(() => runSegment(target, s, probes), otherCpuPct, SEGMENT_OTHER_LIMIT_PCT);
}

// ---------------------------------------------------------------- API set-up

async function call(
  server: ServerProcess,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  return { res, text: await res.text() };
}

async function expectStatus(what: string, p: ReturnType<typeof call>, status: number) {
  const r = await p;
  if (r.res.status !== status) throw new Error(`${what}: expected ${status}, got ${r.res.status}: ${r.text}`);
  return r;
}

/** An organisation, an admin with a password, and that admin's session cookie. */
async function signedInAdmin(
  server: ServerProcess,
): Promise<{ cookie: string; meBody: string; bareBody: string }> {
  const slug = `bench-${randomBytes(4).toString('hex')}`;
  const org = await adminPost(server.url, '/api/v1/organisations', { name: 'Bench Org', slug });
  const orgId = (org as { id: string }).id;
  const email = `${slug}-admin@example.test`;
  const user = { email, firstName: 'Bench', lastName: 'Admin', role: 'admin', password: PASSWORD };
  await adminPost(server.url, `/api/v1/organisations/${orgId}/users`, user);
  const login = await expectStatus(
    'login',
    call(server, 'POST', '/api/v1/auth/login', { email, password: PASSWORD }),
    200,
  );
  const setCookie = login.res.headers.getSetCookie().find((c) => c.startsWith('drawbridge_session='));
  if (!setCookie) throw new Error('login: no drawbridge_session cookie');
  const cookie = setCookie.split(';')[0]!;
  const me = await expectStatus(
    'GET /api/v1/auth/me',
    call(server, 'GET', '/api/v1/auth/me', undefined, { cookie }),
    200,
  );
  const parsed = JSON.parse(me.text) as {
    email: string;
    organisation: { id: string } | null;
    role: string | null;
  };
  if (parsed.email !== email || parsed.organisation?.id !== orgId || parsed.role !== 'admin') {
    throw new Error(`GET /api/v1/auth/me: unexpected body ${me.text}`);
  }
  const bare = await expectStatus('GET /healthz', call(server, 'GET', '/healthz'), 200);
  return { cookie, meBody: me.text, bareBody: bare.text };
}

// ---------------------------------------------------------------- measurements

interface StartRun {
  startMs: number;
  startCpuMs: number;
  /** Other processes' CPU while this server started, percent of one core. */
  otherCpuPct: number;
  idle: Rss;
}

async function measureStarts(): Promise<StartRun[]> {
  const runs: StartRun[] = [];
  while (runs.length < START_RUNS) {
    await quiet.wait();
    const t0 = Date.now();
    const sys0 = systemBusyMs();
    const self0 = process.cpuUsage();
    const server = await startServer({ root: SERVER_ROOT });
    const self = process.cpuUsage(self0);
    const otherMs = systemBusyMs() - sys0 - server.startCpuMs - (self.user + self.system) / 1000;
    const otherPct = Math.max(0, (otherMs / server.startMs) * 100);
    cleanups.push(server.stop);
    await sleep(IDLE_WAIT_MS);
    const idle = rss(server.pid);
    await server.stop();
    const i = runs.length + 1;
    const line = `start ${i}/${START_RUNS}: ready in ${fmt.ms(server.startMs)} ms, idle RSS ${fmt.mib(idle.totalKiB)} MiB`;
    if (quiet.budgetMs > 0 && otherPct >= SEGMENT_OTHER_LIMIT_PCT && quiet.waitedMs < quiet.budgetMs) {
      quiet.waitedMs += Date.now() - t0;
      quiet.repeated++;
      progress(`${line}; other processes used ${fmt.pct(otherPct)} of a core meanwhile, starting again`);
      continue;
    }
    if (quiet.budgetMs > 0 && otherPct >= SEGMENT_OTHER_LIMIT_PCT) quiet.gaveUp = true;
    runs.push({ startMs: server.startMs, startCpuMs: server.startCpuMs, otherCpuPct: otherPct, idle });
    progress(line);
  }
  return runs;
}

interface EngineResult {
  engine: 'SQLite' | 'PostgreSQL';
  startMs: number;
  startCpuMs: number;
  idle: Rss;
  loaded: Rss;
  bare: Measurement;
  me: Measurement;
}

/** Warm-up (discarded), then A B B A in halves, so drift and order hit both routes alike. */
async function measureThroughput(
  engine: EngineResult['engine'],
  postgres?: { url: string; name: string },
): Promise<EngineResult> {
  const server = await startServer({ root: SERVER_ROOT, ...(postgres ? { databaseUrl: postgres.url } : {}) });
  const probes: Probes = {
    serverPid: server.pid,
    ...(postgres ? { dbCpuMs: () => cpuMsOfProcessesMatching(` ${postgres.name} `) } : {}),
  };
  cleanups.push(server.stop);
  try {
    await sleep(IDLE_WAIT_MS);
    const idle = rss(server.pid);
    const { cookie, meBody, bareBody } = await signedInAdmin(server);
    const bare: Target = { label: 'GET /healthz', url: `${server.url}/healthz`, expectBody: bareBody };
    const me: Target = {
      label: 'GET /api/v1/auth/me',
      url: `${server.url}/api/v1/auth/me`,
      headers: { cookie },
      expectBody: meBody,
    };
    const warm = { ...settings, segmentSeconds: WARMUP_SECONDS };
    progress(`${engine}: warm-up, ${WARMUP_SECONDS} s per route (discarded)`);
    assertClean(merge(`${engine} warm-up ${bare.label}`, [await quietSegment(bare, warm, probes)]));
    assertClean(merge(`${engine} warm-up ${me.label}`, [await quietSegment(me, warm, probes)]));
    // SQLite runs bare first, PostgreSQL /me first: neither route always goes first.
    const order = engine === 'SQLite' ? [bare, me, me, bare] : [me, bare, bare, me];
    const segments = new Map<Target, Segment[]>([
      [bare, []],
      [me, []],
    ]);
    for (const target of order) {
      progress(`${engine}: ${target.label}, ${settings.segmentSeconds} s`);
      segments.get(target)!.push(await quietSegment(target, settings, probes));
    }
    const result: EngineResult = {
      engine,
      startMs: server.startMs,
      startCpuMs: server.startCpuMs,
      idle,
      loaded: rss(server.pid),
      bare: merge(bare.label, segments.get(bare)!),
      me: merge(me.label, segments.get(me)!),
    };
    assertClean(result.bare);
    assertClean(result.me);
    return result;
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- ${engine} server output ---\n${server.logTail()}`);
  } finally {
    await server.stop();
  }
}

/** A throwaway PostgreSQL database for `fn`, dropped afterwards (also on error and Ctrl-C). */
async function withPostgresDatabase<T>(
  fn: (url: string, name: string, version: string) => Promise<T>,
): Promise<T> {
  const name = `drawbridge_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  let version: string;
  try {
    version = (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const drop = async () => {
    const c = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await c.end();
    }
  };
  cleanups.push(drop);
  try {
    const url = new URL(POSTGRES_ADMIN_URL);
    url.pathname = `/${name}`;
    return await fn(url.toString(), name, version);
  } finally {
    cleanups.splice(cleanups.indexOf(drop), 1);
    await drop();
  }
}

async function postgresReachable(): Promise<string | undefined> {
  const probe = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 3_000 });
  try {
    await probe.connect();
    await probe.end();
    return undefined;
  } catch (err) {
    return `skipped: cannot connect to ${new URL(POSTGRES_ADMIN_URL).host} (${(err as Error).message})`;
  }
}

// ---------------------------------------------------------------- report

interface Report {
  date: string;
  machine: Row[];
  backgroundPct: number;
  starts: StartRun[];
  engines: EngineResult[];
  postgresNote?: string;
  goals: Goal[];
}

function machineRows(postgresVersion: string | undefined, backgroundPct: number): Row[] {
  const waiting =
    `${(quiet.waitedMs / 1000).toFixed(0)} s of ${args['wait-quiet']} s; ${quiet.repeated} disturbed run(s) repeated` +
    (quiet.gaveUp ? '; budget spent, some runs were disturbed' : '');
  return [
    ...hostRows(exported?.label ?? describeServerCode(SERVER_ROOT), { memory: true, os: true }),
    ['PostgreSQL', postgresVersion ? `${postgresVersion}, same machine, pool of 10` : 'not measured'],
    ...loadRows(backgroundPct, quiet.budgetMs > 0 ? waiting : undefined),
  ];
}

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

const THROUGHPUT_HEADERS = [
  'Database',
  'Route',
  '>req/s',
  '>p50 ms',
  '>p99 ms',
  '>non-2xx',
  '>me/bare',
  '>server CPU',
  '>server µs/req',
  '>loadgen CPU',
  '>PostgreSQL CPU',
  '>other CPU',
  '>req/s per half',
];

function throughputRows(engines: EngineResult[]): Row[] {
  const rows: Row[] = [];
  for (const e of engines) {
    for (const m of [e.bare, e.me]) {
      rows.push([
        e.engine,
        m.label,
        fmt.int(m.rps),
        fmt.ms(m.p50),
        fmt.ms(m.p99),
        String(m.non2xx),
        m === e.me ? fmt.ratio(e.me.rps / e.bare.rps) : '',
        fmt.pct(m.serverCpuPct),
        fmt.int(m.serverCpuUsPerRequest),
        fmt.pct(m.loadgenCpuPct),
        e.engine === 'PostgreSQL' ? fmt.pct(m.dbCpuPct) : '',
        fmt.pct(m.otherCpuPct),
        m.segmentRps.map(fmt.int).join(', '),
      ]);
    }
  }
  return rows;
}

const START_HEADERS = [
  'Server',
  '>start → ready ms',
  '>CPU until ready ms',
  '>other CPU meanwhile',
  '>idle RSS MiB',
  '>of it file-backed MiB',
  '>RSS after load MiB',
];

function startRows(starts: StartRun[], engines: EngineResult[]): Row[] {
  const rows: Row[] = starts.map((s, i) => [
    `SQLite, start ${i + 1}`,
    fmt.ms(s.startMs),
    fmt.ms(s.startCpuMs),
    fmt.pct(s.otherCpuPct),
    fmt.mib(s.idle.totalKiB),
    fmt.mib(s.idle.fileKiB),
    '',
  ]);
  for (const e of engines) {
    rows.push([
      `${e.engine}, throughput server`,
      fmt.ms(e.startMs),
      fmt.ms(e.startCpuMs),
      '',
      fmt.mib(e.idle.totalKiB),
      fmt.mib(e.idle.fileKiB),
      fmt.mib(e.loaded.totalKiB),
    ]);
  }
  return rows;
}

function sharedCoresNote(): string {
  return (
    `The load generator (autocannon) runs on the same ${os.availableParallelism()} cores as the server ` +
    '(and PostgreSQL), so req/s is a lower bound for the server alone; "server µs/req" (server CPU time ' +
    'per request) is the figure least disturbed by that.'
  );
}

function methodText(): string {
  const seconds = settings.segmentSeconds * 2;
  return [
    `- **Start time**: from \`spawn('node', [<npm start's Node.js options>, 'dist/main.js'])\` (or \`src/main.ts\` for a checkout whose \`npm start\` runs the sources) to the first 200 from \`GET /readyz\`, polled every 10 ms, on a fresh temporary DATA_DIR (embedded SQLite) and a free loopback port, ${START_RUNS} times. The build (\`npm run build\`, which \`npm start\` runs first: about 0.4 s when nothing changed) happens once before, as \`npm ci\` does not count either. It includes Node.js start-up, loading the modules, generating the secret key, creating and migrating the database and issuing the first-start key. The goal is judged on the median. "CPU until ready" is the CPU time the server process (all its threads) used until then, from \`/proc/<pid>/stat\`; it moves less than the wall time when other processes compete for the cores. "Other CPU meanwhile" is what everything else on the machine used during that start, in percent of one core.`,
    `- **Idle memory**: VmRSS of the server process (\`/proc/<pid>/status\`) ${IDLE_WAIT_MS / 1000} s after it became ready, with no traffic; judged on the median of the ${START_RUNS} starts. "Of it file-backed" is RssFile: pages mapped from files, mostly the node binary, which other Node.js processes share and the kernel can evict. "RSS after load" is read right after the throughput runs.`,
    `- **Throughput**: autocannon (programmatic API, in the benchmark process), ${settings.connections} connections, keep-alive, no pipelining. \`GET /healthz\` is the bare route (no authentication, no database); \`GET /api/v1/auth/me\` sends the session cookie of an organisation admin created through the API and signed in with a password, so it pays the cookie check (session + user lookup) and the profile queries (memberships, organisation, groups). Each route first gets a ${WARMUP_SECONDS} s warm-up run that is discarded, then ${seconds} s measured in two halves of ${settings.segmentSeconds} s in the order A B B A (SQLite: /healthz first; PostgreSQL: /me first), so neither route profits from going first. req/s is completed requests ÷ measured time; p50/p99 come from every response time (autocannon's own histogram keeps whole milliseconds only). Every response must be a 2xx with exactly the body seen before the run, otherwise the benchmark fails. The session's sliding expiry is written at most once a minute, so the measured /me requests only read.`,
    '- **CPU columns**: CPU time during the measured time, in percent of one core: the server process (`/proc/<pid>/stat`), the load generator, the PostgreSQL backends connected to the benchmark\'s database, and everything else on the machine (`/proc/stat` minus those). Node.js runs the handlers on one thread, so a server near 100% is saturated. "server µs/req" is server CPU time ÷ requests (PostgreSQL\'s own work not included). With `--wait-quiet N`, each start and each load run waits until other processes are idle, and a start or load run during which they used more than 15% of a core is repeated, within N seconds in all.',
    '- **Caveat**: the load generator and PostgreSQL share the cores with the server (see above). The me/bare ratio compares two routes measured the same way on the same server, and "server µs/req" is a per-request cost; both compare across runs better than raw req/s, which moves with whatever else the host is doing.',
  ].join('\n');
}

function printReport(r: Report): void {
  const out = reportHead('core benchmark', r.date, r.machine, sharedCoresNote());
  if (r.backgroundPct > BACKGROUND_WARN_PCT) {
    out.push(
      `WARNING: other processes used ${fmt.pct(r.backgroundPct)} of a core before the run; see "other CPU".`,
      '',
    );
  }
  out.push(textTable(START_HEADERS, startRows(r.starts, r.engines)), '');
  out.push(textTable(THROUGHPUT_HEADERS, throughputRows(r.engines)), '');
  if (r.postgresNote) out.push(`PostgreSQL: ${r.postgresNote}`, '');
  out.push(goalTable(r.goals), '');
  console.log(out.join('\n'));
}

function markdownOf(r: Report): string {
  return [
    '## Core benchmark',
    '',
    measuredOn(r.date, COMMAND, 'bench/core.ts'),
    '',
    goalTable(r.goals, true),
    '',
    '### Machine',
    '',
    markdownTable(['Item', 'Value'], r.machine),
    '',
    sharedCoresNote(),
    '',
    '### Start time and memory',
    '',
    markdownTable(START_HEADERS, startRows(r.starts, r.engines)),
    '',
    `### Throughput (${settings.connections} connections, ${settings.segmentSeconds * 2} s per route)`,
    '',
    markdownTable(THROUGHPUT_HEADERS, throughputRows(r.engines)),
    ...(r.postgresNote ? ['', `PostgreSQL: ${r.postgresNote}`] : []),
    '',
    '### Method',
    '',
    methodText(),
  ].join('\n');
}

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  const began = Date.now();
  const backgroundPct = await backgroundLoad(progress);
  await warmUpFetch();
  progress(`start time and idle memory: ${START_RUNS} fresh starts of ${SERVER_ROOT}'s server`);
  const starts = await measureStarts();

  const engines: EngineResult[] = [await measureThroughput('SQLite')];

  let postgresVersion: string | undefined;
  const postgresNote = args['skip-postgres'] ? 'skipped (--skip-postgres)' : await postgresReachable();
  if (postgresNote === undefined) {
    const result = await withPostgresDatabase(async (url, name, version) => {
      postgresVersion = version;
      return measureThroughput('PostgreSQL', { url, name });
    });
    engines.push(result);
  } else {
    progress(`PostgreSQL ${postgresNote}`);
  }

  const report: Report = {
    date: reportDate(),
    machine: machineRows(postgresVersion, backgroundPct),
    backgroundPct,
    starts,
    engines,
    goals: goalsOf(starts, engines),
    ...(postgresNote ? { postgresNote } : {}),
  };
  printReport(report);
  if (args.write) writePerformanceSection('bench:core', markdownOf(report), progress);
  const missed = report.goals.filter((g) => !g.pass).length;
  progress(`done in ${((Date.now() - began) / 1000).toFixed(0)} s; ${goalVerdict(report.goals)}`);
  return missed > 0 && args.strict ? 1 : 0;
}

await runBenchmark('bench:core', main);
