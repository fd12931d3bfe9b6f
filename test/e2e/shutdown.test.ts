/**
 * Stopping and refusing to start: SIGTERM stops an idle server with exit code 0 and frees
 * its port; a bad configuration stops `npm start` before anything listens or is written.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  childEnv,
  createDataStore,
  type DataStore,
  freePort,
  killAll,
  run,
  serverPidUnder,
  start,
  startServer,
  tempDir,
  waitReady,
} from './support.ts';

async function refusesConnections(baseUrl: string): Promise<boolean> {
  try {
    await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2_000) });
    return false;
  } catch (e) {
    return (e as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED';
  }
}

describe('shutdown and refusing to start', () => {
  const stores: DataStore[] = [];
  const dirs: { path: string; remove(): void }[] = [];
  const freshDir = () => {
    const dir = tempDir();
    dirs.push(dir);
    return dir.path;
  };
  afterEach(killAll);
  afterAll(async () => {
    for (const s of stores) await s.remove();
    for (const d of dirs) d.remove();
  });

  it.each(['sqlite', 'postgres'] as const)(
    'SIGTERM stops an idle server (%s) with exit code 0 and frees the port',
    async (engine) => {
      const data = await createDataStore(engine);
      stores.push(data);
      const server = await startServer(data.env);
      server.child.signal('SIGTERM');
      const exit = await server.child.waitForExit(10_000);
      expect(exit, server.child.describe()).toEqual({ code: 0, signal: null });
      expect(server.child.stderr()).toContain('SIGTERM received, stopping');
      expect(await refusesConnections(server.baseUrl)).toBe(true);
    },
  );

  it('npm start with PORT=70000 exits non-zero, naming PORT, before it listens or writes anything', async () => {
    const dataDir = join(freshDir(), 'data');
    const res = await run('npm', ['start'], childEnv({ PORT: '70000', DATA_DIR: dataDir }));
    expect(res.code).not.toBe(0);
    expect(res.code).not.toBeNull();
    expect(res.stderr).toMatch(/^\s*- PORT: .*70000/m);
    expect(res.stdout).not.toContain('Drawbridge is running');
    expect(existsSync(dataDir)).toBe(false);
  });

  it('npm start with NODE_ENV=production and no DRAWBRIDGE_SECRET refuses to start, naming DRAWBRIDGE_SECRET', async () => {
    const dataDir = join(freshDir(), 'data');
    const port = await freePort();
    const res = await run(
      'npm',
      ['start'],
      childEnv({ NODE_ENV: 'production', PORT: String(port), DATA_DIR: dataDir }),
    );
    expect(res.code).not.toBe(0);
    expect(res.code).not.toBeNull();
    expect(res.stderr).toMatch(/^\s*- DRAWBRIDGE_SECRET: /m);
    expect(res.stdout).not.toContain('Drawbridge is running');
    // No generated secret, no database: it stopped at the configuration check.
    expect(existsSync(dataDir)).toBe(false);
    expect(await refusesConnections(`http://127.0.0.1:${port}`)).toBe(true);
  });

  it('NODE_ENV=production starts once DRAWBRIDGE_SECRET is set (the refusal above is about the secret only)', async () => {
    const dataDir = freshDir();
    const server = await startServer({
      NODE_ENV: 'production',
      DATA_DIR: dataDir,
      DRAWBRIDGE_SECRET: 'e2e-production-secret-0123456789abcdef',
    });
    expect(existsSync(join(dataDir, 'secret.key'))).toBe(false);
    server.child.signal('SIGTERM');
    expect(await server.child.waitForExit(10_000)).toEqual({ code: 0, signal: null });
  });

  // `npm start` runs `exec node src/main.ts`: with a plain `node ...` under dash, SIGTERM to npm
  // (what `docker stop` sends to PID 1) killed only sh and left the server running.
  it('SIGTERM to the npm start process itself stops the server and exits 0', async () => {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const npm = start(
      'npm',
      ['start'],
      childEnv({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: freshDir() }),
    );
    await waitReady(baseUrl, npm);
    serverPidUnder(npm); // the server is running under npm
    npm.signal('SIGTERM');
    const exit = await npm.gone;
    const stillServing = !(await refusesConnections(baseUrl));
    expect({ exit, stillServing }).toEqual({ exit: { code: 0, signal: null }, stillServing: false });
  });
});
