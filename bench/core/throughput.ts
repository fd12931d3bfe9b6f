/**
 * Throughput: GET /healthz (no auth, no database) against GET /api/v1/auth/me with a session
 * cookie, on one server, with autocannon; a discarded warm-up, then A B B A in halves.
 */
import { setTimeout as sleep } from 'node:timers/promises';
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
} from '../lib/load.ts';
import { cpuMsOfProcessesMatching, type Rss, rss } from '../lib/proc-usage.ts';
import { cleanups } from '../lib/program.ts';
import type { QuietWaiter } from '../lib/quiet.ts';
import { startServer } from '../lib/server-process.ts';
import { signedInAdmin } from './drawbridge.ts';
import { type CoreOptions, IDLE_WAIT_MS, SEGMENT_OTHER_LIMIT_PCT, WARMUP_SECONDS } from './plan.ts';

export interface EngineResult {
  engine: 'SQLite' | 'PostgreSQL';
  startMs: number;
  startCpuMs: number;
  idle: Rss;
  loaded: Rss;
  bare: Measurement;
  me: Measurement;
}

/** One load run; with --wait-quiet, a run disturbed by other processes is repeated (within the budget). */
function quietSegment(quiet: QuietWaiter, target: Target, s: LoadSettings, probes: Probes): Promise<Segment> {
  return quiet.measureQuietly(() => runSegment(target, s, probes), otherCpuPct, SEGMENT_OTHER_LIMIT_PCT);
}

/** Warm-up (discarded), then A B B A in halves, so drift and order hit both routes alike. */
export async function measureThroughput(
  engine: EngineResult['engine'],
  opts: CoreOptions,
  quiet: QuietWaiter,
  progress: (line: string) => void,
  postgres?: { url: string; name: string },
): Promise<EngineResult> {
  const { settings } = opts;
  const server = await startServer({
    root: opts.serverRoot,
    ...(postgres ? { databaseUrl: postgres.url } : {}),
  });
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
    assertClean(merge(`${engine} warm-up ${bare.label}`, [await quietSegment(quiet, bare, warm, probes)]));
    assertClean(merge(`${engine} warm-up ${me.label}`, [await quietSegment(quiet, me, warm, probes)]));
    // SQLite runs bare first, PostgreSQL /me first: neither route always goes first.
    const order = engine === 'SQLite' ? [bare, me, me, bare] : [me, bare, bare, me];
    const segments = new Map<Target, Segment[]>([
      [bare, []],
      [me, []],
    ]);
    for (const target of order) {
      progress(`${engine}: ${target.label}, ${settings.segmentSeconds} s`);
      segments.get(target)!.push(await quietSegment(quiet, target, settings, probes));
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
