/**
 * Summary of a V8 .cpuprofile (as written by `node --cpu-prof`): self time per function and
 * per component (the package or the Drawbridge source directory a function lives in), idle
 * time left out.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  /** Microseconds on the monotonic clock (process.hrtime's, also in other processes). */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const TIMING_WRAPPER = 'bench/saml/sqlite-timing.ts';
const SQLITE_NATIVE = 'node:sqlite statement execution (native, incl. fsync)';

export interface Share {
  name: string;
  ms: number;
  pct: number;
}

export interface ProfileSummary {
  /** Sampled time that was not idle, ms. */
  busyMs: number;
  /** Self time per function. */
  functions: Share[];
  /** Self time per package / source directory. */
  components: Share[];
  /**
   * Inclusive time of Drawbridge's own functions (src/): samples with the function anywhere
   * on the stack (each sample counted once per function).
   */
  ownInclusive: Share[];
}

function pathOf(url: string, root: string): string {
  if (url === '') return '';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  return path.startsWith('/') ? relative(root, path) : path;
}

/** "xml-crypto", "@xmldom/xmldom", "src/saml" (or "dist/saml"), "node:internal/…" or "(garbage collector)". */
export function componentOf(path: string, functionName: string): string {
  if (path === '') return functionName.startsWith('(') ? functionName : '(native)';
  const nm = path.lastIndexOf('node_modules/');
  if (nm !== -1) {
    const rest = path.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (path.startsWith('node:')) return path.startsWith('node:internal/deps/') ? path : 'node (internals)';
  const parts = path.split('/');
  return parts.length > 2 ? parts.slice(0, 2).join('/') : path;
}

/**
 * @param window only the samples taken in [fromUs, toUs] (process.hrtime microseconds)
 */
export function summariseProfile(
  file: string,
  root: string,
  window: { fromUs: number; toUs: number } = { fromUs: 0, toUs: Number.POSITIVE_INFINITY },
  top = 20,
): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at < window.fromUs || at > window.toUs) continue;
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  }
  if (selfUs.size === 0) throw new Error(`${file}: no samples in the measured window`);
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (node: ProfileNode) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const path = pathOf(url, root);
    // Native calls have no frame of their own: time inside SQLite shows as the self time of
    // the timing wrapper that bench/saml/sqlite-timing.ts puts around each statement call.
    if (path.endsWith(TIMING_WRAPPER)) return { path: 'node:sqlite', fn: SQLITE_NATIVE };
    return { path, fn: `${functionName || '(anonymous)'}${path ? ` ${path}:${lineNumber + 1}` : ''}` };
  };
  const functions = new Map<string, number>();
  const components = new Map<string, number>();
  const own = new Map<string, number>();
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const { functionName } = node.callFrame;
    if (functionName === '(idle)') continue;
    busyUs += us;
    const { path, fn } = label(node);
    functions.set(fn, (functions.get(fn) ?? 0) + us);
    const component = path === 'node:sqlite' ? 'node:sqlite (native)' : componentOf(path, functionName);
    components.set(component, (components.get(component) ?? 0) + us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const l = label(byId.get(at)!);
      // dist/ is the build of src/ that `npm start` runs.
      if (!(l.path.startsWith('src/') || l.path.startsWith('dist/')) || seen.has(l.fn)) continue;
      seen.add(l.fn);
      own.set(l.fn, (own.get(l.fn) ?? 0) + us);
    }
  }
  const shares = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: us / 1000, pct: (us / busyUs) * 100 }));
  return {
    busyMs: busyUs / 1000,
    functions: shares(functions),
    components: shares(components),
    ownInclusive: shares(own),
  };
}
