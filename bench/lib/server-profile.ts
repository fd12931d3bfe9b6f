/**
 * Where a benchmark's server spends its time (`--profile`): a second server under
 * `node --cpu-prof` with bench/saml/sqlite-timing.ts preloaded (a CPU profile shows SQLite as one
 * native call, so that wrapper times each node:sqlite statement by SQL text), a measured window
 * marked from outside, and the tables the reports print of it.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { type ProfileSummary, summariseProfile } from './cpu-profile.ts';
import { cleanups } from './program.ts';
import { fmt, markdownTable, type Row, textTable } from './report.ts';
import { REPO_ROOT, type ServerOptions, type ServerProcess, startServer } from './server-process.ts';

export interface SqlStat {
  sql: string;
  calls: number;
  ms: number;
}

export interface ServerProfile {
  /** The .cpuprofile file, kept for a closer look. */
  file: string;
  summary: ProfileSummary;
  /** Time inside node:sqlite by statement during the window, most first. */
  sql: SqlStat[];
}

export interface ProfiledServer {
  server: ServerProcess;
  /** Starts the window (sqlite-timing.ts counts from SIGUSR2 on); its start, µs on the monotonic clock. */
  startWindow(): Promise<number>;
  /** Stops the server (which writes the profile) and summarises the window up to now. */
  finish(fromUs: number): Promise<ServerProfile>;
}

/** The monotonic clock in µs, as the .cpuprofile's timestamps. */
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

/** Starts the server under the profiler (a cleanup stops it); `name` goes into the temporary directory's. */
export async function startProfiledServer(name: string, opts: ServerOptions): Promise<ProfiledServer> {
  const dir = mkdtempSync(join(tmpdir(), `drawbridge-${name}-profile-`));
  const sqlFile = join(dir, 'sqlite-timing.json');
  const server = await startServer({
    ...opts,
    env: { ...opts.env, SQLITE_TIMING_FILE: sqlFile },
    nodeArgs: [
      ...(opts.nodeArgs ?? []),
      '--cpu-prof',
      `--cpu-prof-dir=${dir}`,
      // Node samples every 1000 µs by default; a finer grain for short runs, by environment.
      ...(process.env.CPU_PROFILE_INTERVAL_US
        ? [`--cpu-prof-interval=${Number(process.env.CPU_PROFILE_INTERVAL_US)}`]
        : []),
      '--import',
      pathToFileURL(join(REPO_ROOT, 'bench/saml/sqlite-timing.ts')).href,
    ],
  });
  cleanups.push(server.stop);
  return {
    server,
    async startWindow() {
      process.kill(server.pid, 'SIGUSR2');
      await sleep(50);
      return nowUs();
    },
    async finish(fromUs) {
      const toUs = nowUs();
      await server.stop();
      const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
      if (!file) throw new Error(`no .cpuprofile in ${dir}`);
      const path = join(dir, file);
      const sql = (JSON.parse(readFileSync(sqlFile, 'utf8')) as SqlStat[]).sort((a, b) => b.ms - a.ms);
      return { file: path, summary: summariseProfile(path, REPO_ROOT, { fromUs, toUs }), sql };
    },
  };
}

function shareRows(p: ProfileSummary, which: 'functions' | 'components' | 'ownInclusive', n: number): Row[] {
  return p[which].slice(0, n).map((s) => [s.name, `${s.pct.toFixed(1)}%`]);
}

/** The printed report's three share tables, `top` rows of each (functions, packages, inclusive). */
export function profileTextTables(p: ProfileSummary, top: [number, number, number]): string[] {
  return [
    textTable(['Self time by function', '>share'], shareRows(p, 'functions', top[0])),
    '',
    textTable(['Self time by package / directory', '>share'], shareRows(p, 'components', top[1])),
    '',
    textTable(['Drawbridge functions, inclusive', '>share'], shareRows(p, 'ownInclusive', top[2])),
  ];
}

/** The same for docs/performance.md, shorter. */
export function profileMarkdownTables(p: ProfileSummary): string[] {
  return [
    markdownTable(['Self time by package / directory', '>share'], shareRows(p, 'components', 10)),
    '',
    markdownTable(['Self time by function (top 12)', '>share'], shareRows(p, 'functions', 12)),
    '',
    markdownTable(['Drawbridge functions, inclusive (top 12)', '>share'], shareRows(p, 'ownInclusive', 12)),
  ];
}

/** Headers for sqlRows, per `unit` (login, callback). */
export const sqlHeaders = (unit: string) => [
  'SQL statement (node:sqlite)',
  `>calls/${unit}`,
  `>µs/${unit}`,
  '>share',
];

/** The `n` costliest statements per unit of work (`units` of them in the window), and the total. */
export function sqlRows(sql: SqlStat[], units: number, n: number): Row[] {
  const total = sql.reduce((t, s) => t + s.ms, 0);
  const rows = sql
    .slice(0, n)
    .map((s) => [
      s.sql.length > 90 ? `${s.sql.slice(0, 87)}...` : s.sql,
      (s.calls / units).toFixed(2),
      fmt.us((s.ms * 1000) / units),
      `${((s.ms / total) * 100).toFixed(0)}%`,
    ]);
  const calls = sql.reduce((t, s) => t + s.calls, 0);
  rows.push(['all statements', (calls / units).toFixed(1), fmt.us((total * 1000) / units), '100%']);
  return rows;
}
