/**
 * How many runs each property makes. One knob for the whole suite, so that a quick local run
 * and a long soak use the same tests: PROPERTY_RUNS_FACTOR scales every property at once.
 */

/** `n` runs, scaled by PROPERTY_RUNS_FACTOR (at least one; a bad factor counts as 1). */
export function runs(n: number): number {
  const factor = Number(process.env.PROPERTY_RUNS_FACTOR ?? '1');
  return Math.max(1, Math.round(n * (Number.isFinite(factor) && factor > 0 ? factor : 1)));
}
