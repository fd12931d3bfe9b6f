/**
 * Timing for the in-process contenders of bench:saml and bench:oidc: a contender is warmed up
 * once, then measured in rounds that are interleaved with the other contenders' (round 1 of every
 * contender, then round 2...), so a change in the machine's background load falls on all of them
 * alike. Each round records its rate and the CPU time of this process, of the server (when there
 * is one) and of everything else on the machine.
 */
import { performance } from 'node:perf_hooks';
import { cpuMs, systemBusyMs } from './proc-usage.ts';
import { median } from './stats.ts';

export interface Round {
  ops: number;
  seconds: number;
  /** CPU time of this process (the caller, or the load generator), ms. */
  selfCpuMs: number;
  /** CPU time of the server process, ms (0 without one). */
  serverCpuMs: number;
  /** CPU time of every other process on the machine, ms. */
  otherCpuMs: number;
}

export interface Contender {
  name: string;
  /** One untimed run (JIT, caches, first logins). */
  warmUp(): Promise<void>;
  /** Untimed, right before each timed run. */
  beforeRound?(): Promise<void>;
  /** One timed run: the number of operations completed (every one checked). */
  run(): Promise<{ ops: number; seconds: number }>;
  /** The server process whose CPU time counts as the contender's, if any. */
  serverPid?: number;
}

export interface Measured {
  name: string;
  rounds: Round[];
}

export async function measureRound(c: Contender): Promise<Round> {
  await c.beforeRound?.();
  const self0 = process.cpuUsage();
  const sys0 = systemBusyMs();
  const srv0 = c.serverPid === undefined ? 0 : cpuMs(c.serverPid);
  const { ops, seconds } = await c.run();
  const self = process.cpuUsage(self0);
  const sys1 = systemBusyMs();
  const serverCpuMs = c.serverPid === undefined ? 0 : cpuMs(c.serverPid) - srv0;
  const selfCpuMs = (self.user + self.system) / 1000;
  return {
    ops,
    seconds,
    selfCpuMs,
    serverCpuMs,
    otherCpuMs: Math.max(0, sys1 - sys0 - selfCpuMs - serverCpuMs),
  };
}

/** Calls `fn(i)` for i = 0, 1, ... until `seconds` have passed. */
export function loopSync(fn: (i: number) => void, seconds: number): { ops: number; seconds: number } {
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  let i = 0;
  let now = t0;
  while (now < end) {
    fn(i++);
    now = performance.now();
  }
  return { ops: i, seconds: (now - t0) / 1000 };
}

/** Awaits `fn(i)` for i = 0, 1, ... one at a time until `seconds` have passed. */
export async function loopAsync(
  fn: (i: number) => Promise<void>,
  seconds: number,
): Promise<{ ops: number; seconds: number }> {
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  let i = 0;
  let now = t0;
  while (now < end) {
    await fn(i++);
    now = performance.now();
  }
  return { ops: i, seconds: (now - t0) / 1000 };
}

export const rate = (r: Round) => r.ops / r.seconds;
export const medianRate = (m: Measured) => median(m.rounds.map(rate));
/** Percent of one core over the round. */
export const pctOf = (ms: number, r: Round) => (ms / (r.seconds * 1000)) * 100;
