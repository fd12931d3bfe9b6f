/**
 * What every benchmark program does around its measurement: the options they all take, the
 * command line as run (for the report), progress lines on stderr, and the run itself — cleanups
 * run at the end, on error and on Ctrl-C, and no child process outlives the benchmark.
 */
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { killAllNow } from './server-process.ts';

const COMMON_OPTIONS = {
  write: { type: 'boolean', default: process.env.BENCH_WRITE === '1' },
  strict: { type: 'boolean', default: false },
  'wait-quiet': { type: 'string', default: '0' },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsOptionsConfig;

/** `--write`, `--strict`, `--wait-quiet N`, `--help` and the program's own `options`; `--help` prints `usage` and exits. */
export function parseBenchArgs<const O extends ParseArgsOptionsConfig>(options: O, usage: string) {
  const { values } = parseArgs({ options: { ...COMMON_OPTIONS, ...options } });
  if ((values as { help?: boolean }).help) {
    console.log(usage);
    process.exit(0);
  }
  return values;
}

/** A whole-number option's value, or an error naming the option. */
export function wholeNumberArg(flag: string, value: string, min: number, max = Infinity): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    const range = max === Infinity ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new Error(`${flag}: expected a whole number ${range}`);
  }
  return n;
}

/** The command as run, for the report (`npm run bench:core -- --write …`). */
export function commandLine(script: string): string {
  return [`npm run ${script}`, ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(
    ' ',
  );
}

/** A progress logger: `[tag] line` on stderr, so stdout keeps only the report. */
export function progressLog(tag: string): (line: string) => void {
  return (line) => process.stderr.write(`[${tag}] ${line}\n`);
}

/** Undo steps (stop a server, drop a database…), run last-registered first by cleanUp(). */
export const cleanups: Array<() => Promise<void>> = [];

async function cleanUp(): Promise<void> {
  killAllNow();
  while (cleanups.length > 0) {
    await cleanups.pop()!().catch((err: unknown) => console.error(`cleanup failed: ${String(err)}`));
  }
}

/**
 * Runs `main` and exits with the code it returns (1 when it throws, with `name FAILED: …` on
 * stderr), after the cleanups; Ctrl-C and SIGTERM run the cleanups too and exit 130.
 */
export async function runBenchmark(name: string, main: () => Promise<number>): Promise<never> {
  // Synchronous, so it still runs when something calls process.exit() directly.
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping`);
      setTimeout(() => process.exit(130), 5_000).unref();
      cleanUp().finally(() => process.exit(130));
    });
  }
  let code = 1;
  try {
    code = await main();
  } catch (err) {
    console.error(`\n${name} FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    code = 1;
  } finally {
    await cleanUp();
  }
  process.exit(code);
}
