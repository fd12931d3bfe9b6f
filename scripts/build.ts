/**
 * `npm run build` (and so `npm start`): compiles src/ into dist/ with tsc, and copies the files
 * the server reads at run time, unless dist/ is already newer than every source. A build that
 * has nothing to do writes nothing, so servers started side by side (the end-to-end tests run
 * several `npm start` at once) never read a file another start is rewriting. A stale dist/ is
 * built whole beside it and then swapped in by two renames: no module of a deleted source
 * lingers, and a running server never sees a half-written dist/.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const dist = join(root, 'dist');
const stamp = join(dist, '.built');
/** Read by the server from beside its module (src/credentials/password-rules.ts). */
const ASSETS = ['credentials/common-passwords.txt'];
const INPUTS = ['src', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];

function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

const inputsChanged = Math.max(...INPUTS.map((p) => newest(join(root, p))));
if (existsSync(stamp) && statSync(stamp).mtimeMs > inputsChanged) process.exit(0);

const fresh = `${dist}.building-${process.pid}`;
const old = `${dist}.old-${process.pid}`;
rmSync(fresh, { recursive: true, force: true });
execFileSync(
  join(root, 'node_modules/.bin/tsc'),
  ['-p', join(root, 'tsconfig.build.json'), '--outDir', fresh],
  {
    stdio: 'inherit',
  },
);
for (const asset of ASSETS) cpSync(join(root, 'src', asset), join(fresh, asset));
writeFileSync(join(fresh, '.built'), `${new Date().toISOString()}\n`);
if (existsSync(dist)) renameSync(dist, old);
renameSync(fresh, dist);
rmSync(old, { recursive: true, force: true });
