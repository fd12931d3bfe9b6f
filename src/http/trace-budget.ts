/**
 * How many refusal traces a client address may cause for configuration names that do not exist.
 * Such a trace belongs to no organisation, and the per-name rate limits of the ACS and the OIDC
 * callback count each invented name afresh: without a budget, cycling names from one address
 * would write a trace row per request. The first few stay traced for an instance admin; beyond
 * that the refusal is still logged and counted in the metrics, but writes nothing.
 */

/** Traces per client address per minute (and instance) for unknown configuration names. */
export const UNKNOWN_CONFIGURATION_TRACES_PER_MINUTE = 10;
const WINDOW_MS = 60_000;
/** Addresses remembered per window; past it, new addresses get no trace (the budget fails closed). */
const MAX_ADDRESSES = 10_000;

/** A fixed one-minute window of counts per key: `take(key)` is true while the key is under `limit`. */
export function traceBudget(limit: number, maxKeys = MAX_ADDRESSES, windowMs = WINDOW_MS) {
  let windowStart = Number.NEGATIVE_INFINITY;
  let counts = new Map<string, number>();
  return {
    take(key: string, now = Date.now()): boolean {
      if (now - windowStart >= windowMs) {
        windowStart = now;
        counts = new Map();
      }
      const used = counts.get(key);
      if (used === undefined && counts.size >= maxKeys) return false;
      counts.set(key, (used ?? 0) + 1);
      return (used ?? 0) < limit;
    },
  };
}
