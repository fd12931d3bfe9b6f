/**
 * The timed callback runs of bench:oidc and their accounting: each run's latencies, Drawbridge's
 * own time per callback (the provider's round trip as the server timed it left out), and the CPU
 * time of the server, of this process and of everything else meanwhile; then the rounds merged.
 */
import { readFileSync } from 'node:fs';
import { cpuMs, sysCpuMs, systemBusyMs } from '../lib/proc-usage.ts';
import type { ServerProcess } from '../lib/server-process.ts';
import { percentile } from '../lib/stats.ts';
import type { CallbackRun } from './drawbridge.ts';
import type { StubOp } from './stub-op.ts';

export interface CallbackSegment {
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
  /** Per callback, when the server timed phases (PHASE_TIMING=1, one at a time): ms each. */
  phases: CallbackPhases[];
}

/** Where one callback's time inside the server went (bench/oidc/round-trip-timing.mjs), ms. */
export interface CallbackPhases {
  /** Request handed to the application → token request's last byte sent; the next three split it. */
  beforeToken: number;
  /** Request handed to the application → its first query (routing, hooks, the route's start). */
  front: number;
  /** First query → last query before the token request (configuration, pending login, policy). */
  reads: number;
  /** Last read → token request's last byte sent (openid-client and the HTTP client). */
  tokenRequest: number;
  /** Token answer's headers → the login transaction's `begin`. */
  afterToken: number;
  /** `begin` → `commit`: the organisation rules, the session and the trace. */
  transaction: number;
  /** The `commit`, its fsync included. */
  commit: number;
  /** After the commit → the answer handed to the kernel. */
  answer: number;
}

/**
 * The provider round trip of every token request since the last call, by code: SIGUSR2 asks
 * bench/oidc/round-trip-timing.mjs in the server to write them to `file`.
 */
const roundTripSeq = new Map<string, number>();
async function roundTrips(
  server: ServerProcess,
  file: string,
): Promise<{ trip: Map<string, number>; served: Map<string, number>; phases: CallbackPhases[] }> {
  const seq = (roundTripSeq.get(file) ?? 0) + 1;
  roundTripSeq.set(file, seq);
  process.kill(server.pid, 'SIGUSR2');
  const deadline = Date.now() + 5_000;
  for (;;) {
    try {
      const got = JSON.parse(readFileSync(file, 'utf8')) as {
        seq: number;
        ms: Record<string, number>;
        served: Record<string, number>;
        phases?: Record<string, CallbackPhases>;
      };
      if (got.seq === seq)
        return {
          trip: new Map(Object.entries(got.ms)),
          served: new Map(Object.entries(got.served)),
          phases: Object.values(got.phases ?? {}),
        };
    } catch {
      // not written yet
    }
    if (Date.now() > deadline) throw new Error(`no round-trip timings from the server in ${file}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export async function runCallbacks(
  server: ServerProcess,
  roundTripFile: string,
  op: StubOp,
  send: (count: number, seconds: number, concurrency: number) => Promise<CallbackRun>,
  count: number,
  concurrency: number,
  seconds: number,
): Promise<CallbackSegment> {
  const srv0 = cpuMs(server.pid);
  const srvSys0 = sysCpuMs(server.pid);
  const self0 = process.cpuUsage();
  const sys0 = systemBusyMs();
  const r = await send(count, seconds, concurrency);
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
    phases: timings.phases,
  };
}

export interface CallbackResult {
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

export function mergeCallbacks(
  label: string,
  concurrency: number,
  segments: CallbackSegment[],
): CallbackResult {
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
