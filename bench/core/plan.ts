/**
 * The fixed plan of bench:core (starts, waits, warm-ups) and the run's options as bench/core.ts
 * parsed them: what every part of the benchmark and its method text share.
 */
import type { LoadSettings } from '../lib/load.ts';

/** Fresh starts of the server for the start time and the idle memory. */
export const START_RUNS = 5;
/** How long a started server sits idle before its RSS is read. */
export const IDLE_WAIT_MS = 2_000;
/** Length of each route's discarded warm-up run, s. */
export const WARMUP_SECONDS = 2;
/** With --wait-quiet, a load run during which other processes used more than this is repeated. */
export const SEGMENT_OTHER_LIMIT_PCT = 15;

/** The command line's choices (bench/core.ts checks them). */
export interface CoreOptions {
  /** The directory whose server runs (--server-dir, or the export of --commit). */
  serverRoot: string;
  /** autocannon connections (--connections) and seconds per measured half (--seconds ÷ 2). */
  settings: LoadSettings;
}
