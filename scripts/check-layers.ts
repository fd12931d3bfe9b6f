/**
 * Keeps the layers pointing one way (STYLE.md): protocol cores import nothing of ours,
 * storage and configuration stand alone, identity rules sit on cores and storage, and only
 * http/, cli/ and the entry points import the rest. Exits 1 listing every violation.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

// An optional argument names another source tree (the check's own test uses one).
const src = resolve(process.argv[2] ?? join(import.meta.dirname, '..', 'src'));
const root = dirname(src);

// Layer → the layers it may import (itself always allowed).
const CORES = ['saml', 'oidc', 'oauth2', 'custom'];
const ALLOWED: Record<string, string[]> = {
  config: [],
  store: [],
  ...Object.fromEntries(CORES.map((c) => [c, []])),
  ops: ['config'],
  credentials: ['config', 'store'],
  identity: ['config', 'store', 'credentials', ...CORES],
  sso: ['config', 'store', 'credentials', 'identity', ...CORES],
  http: ['config', 'store', 'credentials', 'identity', 'sso', 'ops', ...CORES],
  cli: ['config', 'store', 'credentials', 'identity', 'sso', 'ops', 'http', 'entry', ...CORES],
  entry: ['config', 'store', 'credentials', 'identity', 'sso', 'ops', 'http', 'cli', ...CORES],
};

function layerOf(file: string): string {
  const rel = relative(src, file);
  const first = rel.split('/')[0]!;
  return rel.includes('/') ? first : 'entry';
}

function* files(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (entry.name.endsWith('.ts')) yield path;
  }
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

const violations: string[] = [];
for (const file of files(src)) {
  const from = layerOf(file);
  const allowed = ALLOWED[from];
  if (!allowed) {
    violations.push(`${relative(root, file)}: folder "${from}" has no layer rule in scripts/check-layers.ts`);
    continue;
  }
  for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
    const spec = m[1] ?? m[2]!;
    if (!spec.startsWith('.')) continue;
    const target = resolve(dirname(file), spec);
    if (!target.startsWith(src)) {
      violations.push(`${relative(root, file)}: imports ${spec}, outside src/`);
      continue;
    }
    const to = layerOf(target);
    if (to !== from && !allowed.includes(to)) {
      violations.push(`${relative(root, file)} (${from}) imports ${spec} (${to})`);
    }
  }
}

if (violations.length > 0) {
  console.error(`Layer violations:\n${violations.map((v) => `  - ${v}`).join('\n')}`);
  process.exit(1);
}
console.log('layers: ok');
