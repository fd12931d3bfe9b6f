/**
 * The tables of bench:core's report, in the terminal and in docs/performance.md: the starts and
 * memory, the throughput runs, the machine.
 */
import os from 'node:os';
import { hostRows, loadRows } from '../lib/machine.ts';
import type { QuietWaiter } from '../lib/quiet.ts';
import { fmt, type Goal, type Row } from '../lib/report.ts';
import type { StartRun } from './starts.ts';
import type { EngineResult } from './throughput.ts';

export interface Report {
  date: string;
  machine: Row[];
  backgroundPct: number;
  starts: StartRun[];
  engines: EngineResult[];
  postgresNote?: string;
  goals: Goal[];
}

/** `serverCode` describes the server under test (the --commit export's label, or describeServerCode). */
export function machineRows(
  serverCode: string,
  postgresVersion: string | undefined,
  backgroundPct: number,
  quiet: QuietWaiter,
  waitQuiet: string,
): Row[] {
  const waiting =
    `${(quiet.waitedMs / 1000).toFixed(0)} s of ${waitQuiet} s; ${quiet.repeated} disturbed run(s) repeated` +
    (quiet.gaveUp ? '; budget spent, some runs were disturbed' : '');
  return [
    ...hostRows(serverCode, { memory: true, os: true }),
    ['PostgreSQL', postgresVersion ? `${postgresVersion}, same machine, pool of 10` : 'not measured'],
    ...loadRows(backgroundPct, quiet.budgetMs > 0 ? waiting : undefined),
  ];
}

export const THROUGHPUT_HEADERS = [
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

export function throughputRows(engines: EngineResult[]): Row[] {
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

export const START_HEADERS = [
  'Server',
  '>start → ready ms',
  '>CPU until ready ms',
  '>other CPU meanwhile',
  '>idle RSS MiB',
  '>of it file-backed MiB',
  '>RSS after load MiB',
];

export function startRows(starts: StartRun[], engines: EngineResult[]): Row[] {
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

export function sharedCoresNote(): string {
  return (
    `The load generator (autocannon) runs on the same ${os.availableParallelism()} cores as the server ` +
    '(and PostgreSQL), so req/s is a lower bound for the server alone; "server µs/req" (server CPU time ' +
    'per request) is the figure least disturbed by that.'
  );
}
