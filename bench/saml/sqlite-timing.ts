/**
 * Preloaded into the profiled server (`node --import ./bench/saml/sqlite-timing.ts src/main.ts`):
 * times every node:sqlite statement execution (run, all, get, iterate) by SQL text, so the
 * profile can say which statements the time spent inside SQLite belongs to (a CPU profile shows
 * them all as one native `run`). SIGUSR2 resets the counts (start of the measured window); on
 * exit the counts are written as JSON to $SQLITE_TIMING_FILE. Nothing in src/ is changed.
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { StatementSync } from 'node:sqlite';

interface Stat {
  calls: number;
  ms: number;
}

const out = process.env.SQLITE_TIMING_FILE;
let stats = new Map<string, Stat>();
const proto = StatementSync.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;

for (const method of ['run', 'all', 'get', 'iterate'] as const) {
  const original = proto[method]!;
  proto[method] = function timed(this: StatementSync, ...args: unknown[]) {
    const t0 = performance.now();
    try {
      return original.apply(this, args);
    } finally {
      const ms = performance.now() - t0;
      const sql = this.sourceSQL.replace(/\s+/g, ' ').trim();
      const s = stats.get(sql) ?? { calls: 0, ms: 0 };
      s.calls++;
      s.ms += ms;
      stats.set(sql, s);
    }
  };
}

process.on('SIGUSR2', () => {
  stats = new Map();
});
process.on('exit', () => {
  if (out) writeFileSync(out, JSON.stringify([...stats].map(([sql, s]) => ({ sql, ...s }))));
});
