/**
 * Drawbridge as a child process for benchmarks: the script `npm start` runs (built first when it
 * is the build in dist/, as `npm start` does) on a free loopback port
 * and a fresh DATA_DIR, readiness polling, and a stop that
 * always ends the process (SIGTERM, then SIGKILL). Every child is tracked so that an error
 * or Ctrl-C anywhere still leaves nothing running.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { options as configOptions } from '../../src/config/schema.ts';
import { cpuMs } from './proc-usage.ts';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const ADMIN_KEY = 'bench-admin-key-0123456789abcdef';

const READY_POLL_MS = 10;
const READY_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;
const LOG_TAIL_LINES = 40;

export interface ServerOptions {
  /** The checkout whose server runs (default: this one). */
  root?: string;
  /** PostgreSQL URL; SQLite in DATA_DIR when absent. */
  databaseUrl?: string;
  /** Further environment variables for the server (applied last). */
  env?: Record<string, string>;
  /** Node.js options before the script, e.g. ['--cpu-prof']. */
  nodeArgs?: string[];
}

export interface ServerProcess {
  pid: number;
  port: number;
  url: string;
  dataDir: string;
  /** Milliseconds from spawn() to the first 200 from /readyz. */
  startMs: number;
  /** CPU time (all threads) the server used until then, ms: less sensitive to other load. */
  startCpuMs: number;
  /** The last lines the server wrote (stdout and stderr), for error messages. */
  logTail(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

/** SIGKILLs whatever is still running (synchronous: safe in an 'exit' handler). */
export function killAllNow(): void {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  running.clear();
}

/** A port the kernel just handed out on 127.0.0.1 (free at that moment). */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => (port ? resolvePort(port) : reject(new Error('no port assigned'))));
    });
  });
}

/** The inherited environment without any Drawbridge setting, so only ours apply. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(configOptions)) delete env[name];
  delete env.DRAWBRIDGE_CONFIG;
  delete env.PROXY_BASE_URL;
  return env;
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((done) => {
    const timer = setTimeout(() => done(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      done(true);
    });
  });
}

async function readyOnce(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false; // not listening yet
  }
}

/** Loads fetch's machinery before anything is timed (its first use costs tens of ms). */
export async function warmUpFetch(): Promise<void> {
  await readyOnce(`http://127.0.0.1:${await freePort()}`);
}

/** Spawns the server and resolves once /readyz answers 200; throws (and kills it) otherwise. */
/**
 * The environment variables, Node.js options and script of `npm start` in `root`'s package.json
 * (`… && exec env A=1 node --flag dist/main.js`), so benchmarks measure what a person runs.
 * Older checkouts ran `src/main.ts` directly; that is what `entry` says for them.
 */
export function npmStartRuntime(root: string): {
  env: Record<string, string>;
  nodeArgs: string[];
  entry: string;
} {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    scripts?: { start?: string };
  };
  const start = pkg.scripts?.start ?? '';
  const words = start
    .slice(start.lastIndexOf('exec '))
    .split(/\s+/)
    .filter((w) => w !== '' && w !== 'exec' && w !== 'env');
  const env: Record<string, string> = {};
  const nodeArgs: string[] = [];
  let afterNode = false;
  let entry = 'src/main.ts';
  for (const w of words) {
    if (w === 'node') afterNode = true;
    else if (!afterNode && /^[A-Z_][A-Z0-9_]*=/.test(w))
      env[w.slice(0, w.indexOf('='))] = w.slice(w.indexOf('=') + 1);
    else if (afterNode && w.startsWith('--')) nodeArgs.push(w);
    else if (afterNode) entry = w;
  }
  return { env, nodeArgs, entry };
}

/** `npm run build` in `root` when its server runs from the build (once per root per process). */
const built = new Set<string>();
function buildOnce(root: string, entry: string): void {
  if (!entry.startsWith('dist/') || built.has(root)) return;
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  built.add(root);
}

export async function startServer(opts: ServerOptions = {}): Promise<ServerProcess> {
  const runtime = npmStartRuntime(opts.root ?? REPO_ROOT);
  buildOnce(opts.root ?? REPO_ROOT, runtime.entry);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'drawbridge-bench-'));
  const env: NodeJS.ProcessEnv = {
    ...cleanEnv(),
    PORT: String(port),
    HOST: '127.0.0.1',
    BASE_URL: url,
    DATA_DIR: dataDir,
    DRAWBRIDGE_ADMIN_KEY: ADMIN_KEY,
    LOG_LEVEL: 'warn',
    ...runtime.env,
  };
  if (opts.databaseUrl) env.DATABASE_URL = opts.databaseUrl;
  Object.assign(env, opts.env);

  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      lines.push(line);
      if (lines.length > LOG_TAIL_LINES) lines.shift();
    }
  };
  const logTail = () => lines.join('\n');

  const t0 = performance.now();
  const child = spawn(process.execPath, [...runtime.nodeArgs, ...(opts.nodeArgs ?? []), runtime.entry], {
    cwd: opts.root ?? REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.once('exit', () => running.delete(child));

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        if (!(await waitForExit(child, STOP_GRACE_MS))) {
          child.kill('SIGKILL');
          await waitForExit(child, STOP_GRACE_MS);
        }
      }
      running.delete(child);
      rmSync(dataDir, { recursive: true, force: true });
    })();
    return stopping;
  };

  try {
    const pid = child.pid;
    if (pid === undefined) throw new Error('spawn failed');
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `server exited (code ${child.exitCode}, signal ${child.signalCode}) before it was ready`,
        );
      }
      if (await readyOnce(url)) break;
      if (performance.now() - t0 > READY_TIMEOUT_MS)
        throw new Error(`server not ready after ${READY_TIMEOUT_MS} ms`);
      await sleep(READY_POLL_MS);
    }
    const startMs = performance.now() - t0;
    const startCpuMs = cpuMs(pid);
    return { pid, port, url, dataDir, startMs, startCpuMs, logTail, stop };
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n--- server output ---\n${logTail()}`);
  }
}

/** Whether a process still exists (signal 0 checks without sending anything). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
