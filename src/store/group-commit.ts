/**
 * Group commit for the embedded database. With synchronous=FULL every SQLite commit waits for
 * an fsync (2–4 ms on a virtual disk), and node:sqlite waits on the event-loop thread, so one
 * commit per transaction caps the whole server at a few hundred transactions per second.
 *
 * Transactions that arrive while the event loop is busy are therefore run one after another
 * inside ONE database transaction, each in its own savepoint, and committed with one fsync:
 *  - each still commits all of its writes or none (a failing one is rolled back to its
 *    savepoint and rejected; the others go on);
 *  - each sees the writes of the ones before it, exactly as if they had committed in turn;
 *  - none is reported done before the commit that holds it is on disk, so durability is
 *    unchanged; if that commit fails, every transaction in it fails.
 * A transaction alone in its batch runs without a savepoint, exactly as before.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.ts';

interface Pending<R> {
  work: (repos: R) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Enough to amortise the fsync; small enough that one batch does not hold the database long. */
const MAX_BATCH = 32;
/** How long a batch may wait for as many transactions as the last one held. */
const MAX_WAIT_MS = 1;

export function groupCommit<R>(
  db: Kysely<Database>,
  repositoriesOf: (trx: Kysely<Database>) => R,
): <T>(work: (repos: R) => Promise<T>) => Promise<T> {
  let queue: Pending<R>[] = [];
  let scheduled = false;
  let running = false;
  let lastBatchSize = 1;

  async function runBatch(batch: Pending<R>[]): Promise<void> {
    const outcomes: Outcome[] = [];
    try {
      await db.transaction().execute(async (trx) => {
        const repos = repositoriesOf(trx);
        if (batch.length === 1) {
          outcomes.push({ ok: true, value: await batch[0]!.work(repos) });
          return;
        }
        for (let i = 0; i < batch.length; i++) {
          await sql.raw(`savepoint group_commit_${i}`).execute(trx);
          try {
            const value = await batch[i]!.work(repos);
            await sql.raw(`release savepoint group_commit_${i}`).execute(trx);
            outcomes.push({ ok: true, value });
          } catch (error) {
            // If SQLite already rolled back the whole transaction, this throws and fails the batch.
            await sql.raw(`rollback to savepoint group_commit_${i}`).execute(trx);
            await sql.raw(`release savepoint group_commit_${i}`).execute(trx);
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      // Nothing of the batch was written (a lone transaction's own error lands here too).
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.error);
    });
  }

  async function drain(): Promise<void> {
    scheduled = false;
    running = true;
    try {
      while (queue.length > 0) {
        const batch = queue.slice(0, MAX_BATCH);
        lastBatchSize = batch.length;
        queue = queue.slice(batch.length);
        await runBatch(batch);
      }
    } finally {
      running = false;
    }
  }

  return <T>(work: (repos: R) => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!scheduled && !running) {
        scheduled = true;
        // After the I/O callbacks of this turn of the event loop, so that requests that arrived
        // together share one commit; then, while each turn brings more or fewer have come than
        // the last batch held (the load's concurrency, 1 when idle), one turn more, for at most
        // MAX_WAIT_MS: a lone transaction starts after one turn, a burst waits for its stragglers.
        const since = performance.now();
        let seen = 0;
        const startWhenQuiet = () => {
          const grew = queue.length > seen;
          const expecting = queue.length < lastBatchSize && performance.now() - since < MAX_WAIT_MS;
          if ((grew || expecting) && queue.length < MAX_BATCH) {
            seen = queue.length;
            setImmediate(startWhenQuiet);
          } else {
            void drain();
          }
        };
        startWhenQuiet();
      }
    });
}
