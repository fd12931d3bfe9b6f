/**
 * End-to-end helpers: the real server and CLI as separate processes, free ports, throwaway
 * data directories and PostgreSQL databases. Every child runs in its own process group so
 * that `killAll` also reaches grandchildren (`npm start` → sh → node).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';

/** The checkout under test; DRAWBRIDGE_E2E_ROOT points the suite at another one (e.g. a mutated copy). */
export const PROJECT_ROOT = resolve(process.env.DRAWBRIDGE_E2E_ROOT ?? resolve(import.meta.dirname, '../..'));
export const POSTGRES_ADMIN_URL =
  process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const API_KEY_PATTERN = /dbk_[0-9a-f]{16}\.[A-Za-z0-9_-]{43}/;
export const ADMIN_KEY = 'e2e-configured-admin-key-0123456789';
export type Engine = 'sqlite' | 'postgres';
export const ENGINES: Engine[] = ['sqlite', 'postgres'];

/** A port nobody listens on right now (the kernel picked it for a listener on port 0). */
export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') return fail(new Error('no port'));
      server.close(() => done(address.port));
    });
  });
}

export function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'drawbridge-e2e-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** A throwaway PostgreSQL database; `drop` removes it even if connections are still open. */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `drawbridge_e2e_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** Where a server keeps its data: a fresh DATA_DIR, plus a fresh database for PostgreSQL. */
export interface DataStore {
  env: Record<string, string>;
  dataDir: string;
  remove(): Promise<void>;
}

export async function createDataStore(engine: Engine): Promise<DataStore> {
  const dir = tempDir();
  if (engine === 'sqlite') {
    return { env: { DATA_DIR: dir.path }, dataDir: dir.path, remove: async () => dir.remove() };
  }
  const db = await createPostgresDatabase();
  return {
    env: { DATA_DIR: dir.path, DATABASE_URL: db.url },
    dataDir: dir.path,
    remove: async () => {
      await db.drop();
      dir.remove();
    },
  };
}

/**
 * The environment a child sees: only what a shell needs to find node and npm, never the
 * test runner's own variables (vitest sets NODE_ENV=test) or stray Drawbridge settings.
 */
export function childEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'USER', 'LANG', 'TEST_POSTGRES_URL']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return { LOG_LEVEL: 'warn', ...env, ...extra };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Settles when the process has exited and its output streams are closed. */
  exited: Promise<Exit>;
  /** Settles when the process itself has exited (grandchildren may still hold its output open). */
  gone: Promise<Exit>;
  hasExited(): boolean;
  /** Resolves with the first match of `pattern` on stdout; rejects on exit or deadline. */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit; rejects (leaving the process running) after the deadline. */
  waitForExit(timeoutMs?: number): Promise<Exit>;
  /** Sends `signal` to the process itself only. */
  signal(signal: NodeJS.Signals): void;
  /** SIGKILL to the whole process group (children and grandchildren). */
  killGroup(): void;
  describe(): string;
}

const children = new Set<Child>();

function withDeadline<T>(promise: Promise<T>, timeoutMs: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`timed out after ${timeoutMs} ms: ${what()}`)), timeoutMs);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

export function start(command: string, args: string[], env: Record<string, string>): Child {
  const proc = spawn(command, args, {
    cwd: PROJECT_ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (proc.pid === undefined) throw new Error(`could not start ${command}`);
  const pid = proc.pid;
  let out = '';
  let err = '';
  let exit: Exit | undefined;
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const l of listeners) l();
  };
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    notify();
  });
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<Exit>((done) => {
    proc.once('close', (code, signal) => {
      exit = { code, signal };
      notify();
      done(exit);
    });
  });
  const gone = new Promise<Exit>((done) => proc.once('exit', (code, signal) => done({ code, signal })));
  const child: Child = {
    proc,
    pid,
    gone,
    stdout: () => out,
    stderr: () => err,
    exited,
    hasExited: () => exit !== undefined,
    describe: () =>
      `${command} ${args.join(' ')} (pid ${pid}${exit ? `, exited ${JSON.stringify(exit)}` : ''})\n--- stdout\n${out}\n--- stderr\n${err}`,
    waitForStdout(pattern, timeoutMs = 15_000) {
      let listener: (() => void) | undefined;
      const found = new Promise<RegExpMatchArray>((done, fail) => {
        listener = () => {
          const m = out.match(pattern);
          if (m) done(m);
          else if (exit) fail(new Error(`exited before printing ${pattern}: ${child.describe()}`));
        };
        listeners.add(listener);
        listener();
      });
      return withDeadline(found, timeoutMs, () => `waiting for ${pattern} from ${child.describe()}`).finally(
        () => {
          if (listener) listeners.delete(listener);
        },
      );
    },
    waitForExit(timeoutMs = 15_000) {
      return withDeadline(exited, timeoutMs, () => `waiting for the exit of ${child.describe()}`);
    },
    signal(signal) {
      if (!exit) proc.kill(signal);
    },
    killGroup() {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
      }
    },
  };
  children.add(child);
  return child;
}

/** Processes in process group `pgid` with their command lines (Linux /proc). */
export function processGroup(pgid: number): { pid: number; argv: string[] }[] {
  const found: { pid: number; argv: string[] }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid pgrp ...; comm may contain spaces or parentheses
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid) continue;
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8')
        .split('\0')
        .filter((a) => a !== '');
      found.push({ pid: Number(entry), argv });
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/** The pid of `node dist/main.js` under `npm start` (npm → sh → node, one process group). */
export function serverPidUnder(child: Child): number {
  const members = processGroup(child.pid);
  const server = members.find((m) => /(^|\/)node$/.test(m.argv[0] ?? '') && m.argv.at(-1) === 'dist/main.js');
  if (!server)
    throw new Error(`no node dist/main.js in process group ${child.pid}: ${JSON.stringify(members)}`);
  return server.pid;
}

/** Whether `pid` is a running process (a zombie waiting to be reaped counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Kills every process group started by `start` and waits for the direct children to go. */
export async function killAll(): Promise<void> {
  const all = [...children];
  children.clear();
  for (const c of all) c.killGroup();
  await Promise.all(all.map((c) => c.exited));
}

/** Polls GET /readyz until it answers 200; fails at the deadline or when the process exits. */
export async function waitReady(baseUrl: string, child: Child, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (child.hasExited()) throw new Error(`the server exited before it was ready: ${child.describe()}`);
    try {
      const res = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
      last = `HTTP ${res.status}: ${await res.text()}`;
    } catch (e) {
      last = String(e);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`not ready after ${timeoutMs} ms (${last}): ${child.describe()}`);
}

export interface Server {
  child: Child;
  baseUrl: string;
  port: number;
}

/** `node src/main.ts` (no npm in between, so signals reach the server itself), ready. */
export async function startServer(env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const child = start(
    process.execPath,
    ['src/main.ts'],
    childEnv({ PORT: String(port), HOST: '127.0.0.1', BASE_URL: baseUrl, ...env }),
  );
  await waitReady(baseUrl, child);
  return { child, baseUrl, port };
}

export interface ApiResponse {
  status: number;
  body: unknown;
}

/** One real HTTP request with `Authorization: Api-Key <key>`. */
export async function api(
  baseUrl: string,
  key: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiResponse> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Api-Key ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (killed at the deadline) and returns what it printed. */
export async function run(
  command: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs = 20_000,
): Promise<CliResult> {
  const child = start(command, args, env);
  try {
    const exit = await child.waitForExit(timeoutMs);
    return { ...exit, stdout: child.stdout(), stderr: child.stderr() };
  } finally {
    child.killGroup();
    children.delete(child);
  }
}

/** `node src/cli/main.ts <args>`. */
export function cli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return run(process.execPath, ['src/cli/main.ts', ...args], childEnv(env));
}
