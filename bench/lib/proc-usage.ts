/** CPU time and memory of processes, and of the whole machine, read from /proc (Linux only). */
import { readdirSync, readFileSync } from 'node:fs';

export interface Rss {
  /** VmRSS, KiB. */
  totalKiB: number;
  /** RssFile, KiB: pages mapped from files (mostly the node binary), shared with other processes. */
  fileKiB: number;
}

/** Resident set size of a process (/proc/<pid>/status). */
export function rss(pid: number): Rss {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => {
    const m = new RegExp(`^${name}:\\s+(\\d+)\\s+kB$`, 'm').exec(status);
    if (!m) throw new Error(`no ${name} for pid ${pid}`);
    return Number(m[1]);
  };
  return { totalKiB: field('VmRSS'), fileKiB: field('RssFile') };
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ; 100 on every mainstream Linux build

/** User + system CPU time a process has used so far, in milliseconds (/proc/<pid>/stat). */
export function cpuMs(pid: number): number {
  const fields = statFields(pid);
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** System (kernel) CPU time of a process so far, ms: the stime part of cpuMs. */
export function sysCpuMs(pid: number): number {
  return (Number(statFields(pid)[12]) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** /proc/<pid>/stat after the parenthesised command name: utime and stime are [11] and [12]. */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** CPU time all cores have spent busy (not idle or iowait) since boot, in milliseconds. */
export function systemBusyMs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!;
  return (busy * 1000) / CLOCK_TICKS_PER_SECOND;
}

/**
 * CPU time so far of the processes whose command line contains `marker`, in milliseconds: for
 * PostgreSQL, the backends connected to one database ("postgres: … <dbname> 127.0.0.1(…)").
 */
export function cpuMsOfProcessesMatching(marker: string): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) total += cpuMs(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return total;
}
