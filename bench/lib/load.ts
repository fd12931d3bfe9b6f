/**
 * Closed-loop HTTP load with autocannon, in this process. autocannon's own latency
 * histogram keeps whole milliseconds only, which is too coarse for sub-millisecond
 * answers, so every response time (a float from process.hrtime) is also recorded here and
 * the percentiles are computed from those.
 */
import autocannon from 'autocannon';
import { cpuMs, systemBusyMs } from './proc-usage.ts';

export interface Target {
  label: string;
  url: string;
  headers?: Record<string, string>;
  /** The exact body every response must have (a mismatch fails the run). */
  expectBody: string;
}

export interface LoadSettings {
  connections: number;
  /** Seconds per measured segment. */
  segmentSeconds: number;
}

export interface Segment {
  requests: number;
  seconds: number;
  /** Every response time, ms. */
  latencies: Float64Array;
  non2xx: number;
  errors: number;
  timeouts: number;
  mismatches: number;
  statusCodes: Record<string, number>;
  /** CPU time of the server process during the segment, ms. */
  serverCpuMs: number;
  /** CPU time of this process (the load generator) during the segment, ms. */
  loadgenCpuMs: number;
  /** CPU time of the database server's processes for this run (PostgreSQL backends), ms. */
  dbCpuMs: number;
  /** CPU time of everything else on the machine during the segment, ms. */
  otherCpuMs: number;
}

/** Several segments of the same target, merged. */
export interface Measurement {
  label: string;
  segments: number;
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  mismatches: number;
  statusCodes: Record<string, number>;
  /** Server CPU in percent of one core (100 = one core busy the whole time). */
  serverCpuPct: number;
  loadgenCpuPct: number;
  /** PostgreSQL backends serving this server, percent of one core. */
  dbCpuPct: number;
  /** Everything else on the machine, percent of one core. */
  otherCpuPct: number;
  /** Server CPU time per request, microseconds: what one request costs the server. */
  serverCpuUsPerRequest: number;
  /** req/s of each segment, in the order run (for spotting drift). */
  segmentRps: number[];
}

class FloatList {
  private data = new Float64Array(1 << 16);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }
  toArray(): Float64Array {
    return this.data.slice(0, this.length);
  }
}

/** Where to read CPU time: the server process, and optionally its database's processes. */
export interface Probes {
  serverPid: number;
  dbCpuMs?: () => number;
}

export async function runSegment(target: Target, settings: LoadSettings, probes: Probes): Promise<Segment> {
  const latencies = new FloatList();
  const dbCpu = probes.dbCpuMs ?? (() => 0);
  const cpu0 = cpuMs(probes.serverPid);
  const db0 = dbCpu();
  const self0 = process.cpuUsage();
  const sys0 = systemBusyMs();
  const instance = autocannon({
    url: target.url,
    connections: settings.connections,
    duration: settings.segmentSeconds,
    pipelining: 1,
    timeout: 10,
    headers: target.headers ?? {},
    expectBody: target.expectBody,
    title: target.label,
  });
  instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
  const result = await instance;
  const self = process.cpuUsage(self0);
  const sys1 = systemBusyMs();
  const cpu1 = cpuMs(probes.serverPid);
  const dbCpuMs = Math.max(0, dbCpu() - db0);
  const loadgenCpuMs = (self.user + self.system) / 1000;
  const statusCodes: Record<string, number> = {};
  for (const [code, s] of Object.entries(result.statusCodeStats)) statusCodes[code] = s.count;
  return {
    requests: latencies.length,
    seconds: result.duration,
    latencies: latencies.toArray(),
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    mismatches: result.mismatches,
    statusCodes,
    serverCpuMs: cpu1 - cpu0,
    loadgenCpuMs,
    dbCpuMs,
    otherCpuMs: Math.max(0, sys1 - sys0 - (cpu1 - cpu0) - loadgenCpuMs - dbCpuMs),
  };
}

/** CPU used by other processes during a segment, percent of one core. */
export function otherCpuPct(s: Segment): number {
  return (s.otherCpuMs / (s.seconds * 1000)) * 100;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function merge(label: string, segments: Segment[]): Measurement {
  const requests = segments.reduce((n, s) => n + s.requests, 0);
  const seconds = segments.reduce((n, s) => n + s.seconds, 0);
  const all = new Float64Array(requests);
  let at = 0;
  for (const s of segments) {
    all.set(s.latencies, at);
    at += s.latencies.length;
  }
  all.sort();
  const statusCodes: Record<string, number> = {};
  for (const s of segments) {
    for (const [code, n] of Object.entries(s.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n;
  }
  const sum = (f: (s: Segment) => number) => segments.reduce((n, s) => n + f(s), 0);
  return {
    label,
    segments: segments.length,
    requests,
    seconds,
    rps: requests / seconds,
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    non2xx: sum((s) => s.non2xx),
    errors: sum((s) => s.errors),
    timeouts: sum((s) => s.timeouts),
    mismatches: sum((s) => s.mismatches),
    statusCodes,
    serverCpuPct: (sum((s) => s.serverCpuMs) / (seconds * 1000)) * 100,
    loadgenCpuPct: (sum((s) => s.loadgenCpuMs) / (seconds * 1000)) * 100,
    dbCpuPct: (sum((s) => s.dbCpuMs) / (seconds * 1000)) * 100,
    otherCpuPct: (sum((s) => s.otherCpuMs) / (seconds * 1000)) * 100,
    serverCpuUsPerRequest: (sum((s) => s.serverCpuMs) * 1000) / requests,
    segmentRps: segments.map((s) => s.requests / s.seconds),
  };
}

/** Throws if anything but a 2xx with the expected body came back. */
export function assertClean(m: Measurement): void {
  if (m.non2xx > 0 || m.errors > 0 || m.timeouts > 0 || m.mismatches > 0) {
    throw new Error(
      `${m.label}: ${m.non2xx} non-2xx, ${m.errors} errors, ${m.timeouts} timeouts, ${m.mismatches} body mismatches ` +
        `(status codes: ${JSON.stringify(m.statusCodes)}) — the numbers would be meaningless`,
    );
  }
}
