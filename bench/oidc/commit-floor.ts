/**
 * The floor under a callback's time: one durable SQLite commit on the server's disk (a callback
 * makes two), measured in this process between the rounds.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DatabaseSync } from 'node:sqlite';
import { COMMIT_SECONDS, COMMITS_MAX } from './plan.ts';

/**
 * A SQLite database in the same temporary directory (so on the same filesystem) as the server's
 * DATA_DIR, with the server's pragmas: what one acknowledged commit costs on this disk.
 */
export function openCommitDb(): { db: DatabaseSync; close(): void } {
  const dir = mkdtempSync(join(os.tmpdir(), 'drawbridge-bench-commit-'));
  const db = new DatabaseSync(join(dir, 'commit.db'));
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = FULL');
  db.exec('CREATE TABLE t (id TEXT PRIMARY KEY, v TEXT NOT NULL)');
  return {
    db,
    close: () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One-row inserts and deletes, each statement its own commit: the latency of each, ms. */
export function measureCommits(db: DatabaseSync): number[] {
  const insert = db.prepare('INSERT INTO t (id, v) VALUES (?, ?)');
  const remove = db.prepare('DELETE FROM t WHERE id = ? RETURNING *');
  const out: number[] = [];
  const end = performance.now() + COMMIT_SECONDS * 1000;
  for (let i = 0; i < COMMITS_MAX && performance.now() < end; i++) {
    const id = randomBytes(16).toString('base64url');
    const t0 = performance.now();
    insert.run(id, 'x'.repeat(300));
    const t1 = performance.now();
    remove.all(id);
    out.push(t1 - t0, performance.now() - t1);
  }
  return out;
}
