/**
 * Start time and idle memory: fresh starts of the server on a new SQLite DATA_DIR, each timed until
 * /readyz answers 200, with its RSS read after it sat idle.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type Rss, rss, systemBusyMs } from '../lib/proc-usage.ts';
import { cleanups } from '../lib/program.ts';
import type { QuietWaiter } from '../lib/quiet.ts';
import { fmt } from '../lib/report.ts';
import { startServer } from '../lib/server-process.ts';
import { type CoreOptions, IDLE_WAIT_MS, SEGMENT_OTHER_LIMIT_PCT, START_RUNS } from './plan.ts';

export interface StartRun {
  startMs: number;
  startCpuMs: number;
  /** Other processes' CPU while this server started, percent of one core. */
  otherCpuPct: number;
  idle: Rss;
}

/** START_RUNS starts of the server; with --wait-quiet, a disturbed start is repeated (within the budget). */
export async function measureStarts(
  opts: CoreOptions,
  quiet: QuietWaiter,
  progress: (line: string) => void,
): Promise<StartRun[]> {
  const runs: StartRun[] = [];
  while (runs.length < START_RUNS) {
    await quiet.wait();
    const t0 = Date.now();
    const sys0 = systemBusyMs();
    const self0 = process.cpuUsage();
    const server = await startServer({ root: opts.serverRoot });
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
