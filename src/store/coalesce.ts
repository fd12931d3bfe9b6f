/**
 * Lookups by key that arrive in the same turn of the event loop (the requests that one poll of
 * the sockets brought in) are answered by one query for all their keys: one round trip to
 * PostgreSQL instead of one per request, the same freshness (each lookup still reads the
 * database after its request arrived).
 */

/** Keys per query: enough to cover a server's concurrency; bounds the query's array. */
const MAX_KEYS = 64;

export function coalesce<K, V>(load: (keys: K[]) => Promise<Map<K, V>>): (key: K) => Promise<V | undefined> {
  let pending:
    | Map<K, Array<{ resolve: (v: V | undefined) => void; reject: (e: unknown) => void }>>
    | undefined;

  function flush(batch: NonNullable<typeof pending>): void {
    const keys = [...batch.keys()];
    for (let i = 0; i < keys.length; i += MAX_KEYS) {
      const part = keys.slice(i, i + MAX_KEYS);
      load(part).then(
        (found) => {
          for (const key of part) for (const waiter of batch.get(key)!) waiter.resolve(found.get(key));
        },
        (error: unknown) => {
          for (const key of part) for (const waiter of batch.get(key)!) waiter.reject(error);
        },
      );
    }
  }

  return (key) =>
    new Promise<V | undefined>((resolve, reject) => {
      if (!pending) {
        const batch = new Map<
          K,
          Array<{ resolve: (v: V | undefined) => void; reject: (e: unknown) => void }>
        >();
        pending = batch;
        // After this turn's I/O callbacks: every request read in it has asked by then.
        setImmediate(() => {
          pending = undefined;
          flush(batch);
        });
      }
      const waiters = pending.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else pending.set(key, [{ resolve, reject }]);
    });
}
