/**
 * The tables of bench:oidc's report, in the terminal and in docs/performance.md: the callback
 * runs with the commit floor under them, the validation contenders, the machine.
 */
import os from 'node:os';
import { describeServerCode, hostRows, loadRows, versionOf } from '../lib/machine.ts';
import { type Measured, medianRate, pctOf, rate } from '../lib/measure.ts';
import type { QuietWaiter } from '../lib/quiet.ts';
import { fmt, type Row } from '../lib/report.ts';
import { npmStartRuntime, REPO_ROOT } from '../lib/server-process.ts';
import { median, percentile } from '../lib/stats.ts';
import type { CallbackResult } from './callback-runs.ts';
import type { Alg } from './jwt.ts';
import type { CallbackProfile } from './profile-callbacks.ts';
import type { StubOp } from './stub-op.ts';
import { ratioToRaw } from './verify-contenders.ts';

export interface Results {
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

export const CALLBACK_HEADERS = [
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

export function callbackRows(r: Results): Row[] {
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

export const VERIFY_HEADERS = [
  'Algorithm',
  'Contender',
  '>validations/s',
  '>µs each',
  '>÷ raw verify',
  '>other CPU',
  '>per round',
];

export function verifyRows(r: Results): Row[] {
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

export function machineRows(backgroundPct: number, quiet: QuietWaiter, waitQuiet: string): Row[] {
  const runtime = npmStartRuntime(REPO_ROOT);
  const waiting =
    `${quiet.describe(waitQuiet)}; ${quiet.repeated} disturbed callback run(s) repeated` +
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

export function sharedCoresNote(): string {
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
