/**
 * `--wait-quiet N` for benchmarks on a shared machine: before a measurement, wait until the
 * other processes are nearly idle, spending at most N seconds on waiting over the whole run.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { systemBusyMs } from './proc-usage.ts';
import { fmt } from './report.ts';

/** Other processes busier than this (percent of one core) count as load. */
export const BACKGROUND_WARN_PCT = 10;

/** CPU every other process used over `ms` (this one left out), percent of one core. */
export async function otherProcessesCpuPct(ms = 1_000): Promise<number> {
  const self0 = process.cpuUsage();
  const a = systemBusyMs();
  await sleep(ms);
  const self = process.cpuUsage(self0);
  return Math.max(0, ((systemBusyMs() - a - (self.user + self.system) / 1000) / ms) * 100);
}

/** Other processes' CPU over one second before the run, with a warning when they were busy. */
export async function backgroundLoad(log: (line: string) => void): Promise<number> {
  const pct = await otherProcessesCpuPct();
  if (pct > BACKGROUND_WARN_PCT) {
    log(`warning: other processes are using ${fmt.pct(pct)} of a core; numbers will be noisy`);
  }
  return pct;
}

export class QuietWaiter {
  readonly budgetMs: number;
  waitedMs = 0;
  gaveUp = false;
  /** Disturbed runs run again (measureQuietly). */
  repeated = 0;
  /** Disturbed runs kept because the budget, or what the caller had in reserve, was spent. */
  disturbedKept = 0;
  private readonly log: (line: string) => void;
  private readonly thresholdPct: number;

  /**
   * @param seconds the --wait-quiet budget (0: never wait)
   * @param thresholdPct other processes below this (percent of one core) count as idle
   */
  constructor(seconds: number, log: (line: string) => void, thresholdPct = BACKGROUND_WARN_PCT) {
    this.log = log;
    this.thresholdPct = thresholdPct;
    if (!(seconds >= 0 && seconds <= 300)) throw new Error('--wait-quiet: expected 0 to 300 seconds');
    this.budgetMs = seconds * 1000;
  }

  /** Returns once other processes are idle, or at once when the budget is spent. */
  async wait(): Promise<void> {
    if (this.waitedMs >= this.budgetMs) return;
    const t0 = Date.now();
    let announced = false;
    while ((await otherProcessesCpuPct(300)) >= this.thresholdPct) {
      if (!announced) this.log('waiting for other processes to go idle (--wait-quiet)');
      announced = true;
      if (this.waitedMs + (Date.now() - t0) >= this.budgetMs) {
        this.gaveUp = true;
        this.log('--wait-quiet budget spent; measuring on a busy machine');
        break;
      }
    }
    this.waitedMs += Date.now() - t0;
  }

  /**
   * Waits for quiet, then `run`; with a budget, a run during which other processes used
   * `limitPct` of a core or more (`otherPct` of its result) is run again, while the budget and
   * `canRepeat` (the caller's reserve) allow.
   */
  async measureQuietly<T>(
    run: () => Promise<T>,
    otherPct: (result: T) => number,
    limitPct: number,
    canRepeat = () => true,
  ): Promise<T> {
    for (;;) {
      await this.wait();
      const t0 = Date.now();
      const result = await run();
      const other = otherPct(result);
      if (this.budgetMs === 0 || other < limitPct) return result;
      const budgetSpent = this.waitedMs >= this.budgetMs;
      if (budgetSpent || !canRepeat()) {
        if (budgetSpent) this.gaveUp = true;
        this.disturbedKept++;
        return result;
      }
      this.waitedMs += Date.now() - t0;
      this.repeated++;
      this.log(`other processes used ${fmt.pct(other)} of a core during that run; running it again`);
    }
  }

  /** For the report's machine table. */
  describe(seconds: string): string {
    return (
      `${(this.waitedMs / 1000).toFixed(0)} s of ${seconds} s` +
      (this.gaveUp ? '; budget spent, some rounds ran on a busy machine' : '')
    );
  }
}
