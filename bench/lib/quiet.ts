/**
 * `--wait-quiet N` for benchmarks on a shared machine: before a measurement, wait until the
 * other processes are nearly idle, spending at most N seconds on waiting over the whole run.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { systemBusyMs } from './server-process.ts';

/** CPU every other process used over `ms` (this one left out), percent of one core. */
export async function otherProcessesCpuPct(ms = 1_000): Promise<number> {
  const self0 = process.cpuUsage();
  const a = systemBusyMs();
  await sleep(ms);
  const self = process.cpuUsage(self0);
  return Math.max(0, ((systemBusyMs() - a - (self.user + self.system) / 1000) / ms) * 100);
}

export class QuietWaiter {
  readonly budgetMs: number;
  waitedMs = 0;
  gaveUp = false;
  private readonly log: (line: string) => void;
  private readonly thresholdPct: number;

  /**
   * @param seconds the --wait-quiet budget (0: never wait)
   * @param thresholdPct other processes below this (percent of one core) count as idle
   */
  constructor(seconds: number, log: (line: string) => void, thresholdPct = 10) {
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

  /** For the report's machine table. */
  describe(seconds: string): string {
    return (
      `${(this.waitedMs / 1000).toFixed(0)} s of ${seconds} s` +
      (this.gaveUp ? '; budget spent, some rounds ran on a busy machine' : '')
    );
  }
}
