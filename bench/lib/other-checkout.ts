/**
 * Another commit of this repository beside the working tree, for benchmarks that compare two
 * versions of Drawbridge in one run: a detached git worktree in a temporary directory, with
 * this checkout's node_modules when the two lockfiles agree (else its own `npm ci`), removed
 * by the returned cleanup.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './server-process.ts';

export interface OtherCheckout {
  root: string;
  /** The commit, abbreviated, and how it was asked for. */
  label: string;
  remove(): Promise<void>;
}

const git = (...args: string[]) =>
  execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

export function checkOut(ref: string, progress: (line: string) => void): OtherCheckout {
  const commit = git('rev-parse', '--verify', '--short', `${ref}^{commit}`);
  const dir = mkdtempSync(join(tmpdir(), 'drawbridge-compare-'));
  const root = join(dir, 'checkout');
  git('worktree', 'add', '--detach', root, commit);
  const remove = async () => {
    try {
      git('worktree', 'remove', '--force', root);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      git('worktree', 'prune');
    }
  };
  try {
    let sameLock = true;
    try {
      git('diff', '--quiet', commit, '--', 'package-lock.json');
    } catch {
      sameLock = false;
    }
    if (sameLock) {
      symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
    } else {
      progress(`${commit} has other dependencies: npm ci in its checkout`);
      execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
        cwd: root,
        stdio: 'inherit',
      });
    }
  } catch (err) {
    void remove();
    throw err;
  }
  return { root, label: ref === commit ? commit : `${commit} (${ref})`, remove };
}
