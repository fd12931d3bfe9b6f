/** `--commit REV`: a clean export of one commit of this repository, so that uncommitted edits do not count. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../lib/server-process.ts';

/** A clean copy of commit `rev` in a temporary directory, removed at exit. */
export function exportCommit(rev: string): { root: string; label: string } {
  const git = (...a: string[]) =>
    execFileSync('git', ['-C', REPO_ROOT, ...a], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 });
  const commit = git('rev-parse', '--short', `${rev}^{commit}`).toString().trim();
  const root = mkdtempSync(join(os.tmpdir(), `drawbridge-bench-${commit}-`));
  process.on('exit', () => rmSync(root, { recursive: true, force: true }));
  execFileSync('tar', ['-x', '-C', root], { input: git('archive', '--format=tar', commit) });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'));
  return { root, label: `commit ${commit} (clean export; uncommitted edits not included)` };
}
