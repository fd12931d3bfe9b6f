/** The machine table of the benchmark reports: what ran, on what, and how busy the machine was. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative } from 'node:path';
import { fmt, type Row } from './report.ts';
import { REPO_ROOT } from './server-process.ts';

/** The server under test: its directory, commit, and whether src/ differs from the commit. */
export function describeServerCode(root = REPO_ROOT): string {
  const rel = relative(REPO_ROOT, root);
  const where = rel === '' ? 'this checkout' : rel.startsWith('..') ? root : rel;
  try {
    const git = (...a: string[]) =>
      execFileSync('git', ['-C', root, ...a], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    if (git('rev-parse', '--show-toplevel') !== root) return `${where} (not a git checkout)`;
    const dirty = git('status', '--porcelain', '--', 'src') !== '';
    return `${where}, commit ${git('rev-parse', '--short', 'HEAD')}${dirty ? ' + uncommitted changes in src/' : ''}`;
  } catch {
    return `${where} (not a git checkout)`;
  }
}

/** The installed version of a package below this checkout's node_modules, or '?'. */
export function versionOf(pkg: string): string {
  try {
    const json = JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', pkg, 'package.json'), 'utf8'));
    return (json as { version: string }).version;
  } catch {
    return '?';
  }
}

/** Server code, Node.js, CPU, (memory, OS,) SQLite: the rows every machine table starts with. */
export function hostRows(serverCode: string, also: { memory?: boolean; os?: boolean } = {}): Row[] {
  const cpus = os.cpus();
  return [
    ['Server code', serverCode],
    ['Node.js', process.version],
    ['CPU', `${cpus[0]?.model.trim() ?? 'unknown'}, ${os.availableParallelism()} cores`],
    ...(also.memory ? [['Memory', `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`]] : []),
    ...(also.os ? [['OS', `${os.type()} ${os.release()} (${os.arch()})`]] : []),
    ['SQLite', `${process.versions.sqlite ?? '?'} (node:sqlite; WAL, synchronous=FULL)`],
  ];
}

/** The rows every machine table ends with; `waiting` describes --wait-quiet, when it was given. */
export function loadRows(backgroundPct: number, waiting: string | undefined): Row[] {
  return [
    ['Other load before the run', `${fmt.pct(backgroundPct)} of one core (1 s sample)`],
    ...(waiting === undefined ? [] : [['Waiting for other load (--wait-quiet)', waiting]]),
  ];
}
