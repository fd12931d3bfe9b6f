/**
 * The `drawbridge` command as an operator runs it, beside a running server on the same data:
 * keys and organisations made by the CLI are visible to the server at once, and the
 * configuration check names every bad variable.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  API_KEY_PATTERN,
  api,
  childEnv,
  cli,
  createDataStore,
  type DataStore,
  ENGINES,
  killAll,
  run,
  type Server,
  startServer,
  tempDir,
} from './support.ts';

const KEY_ONLY = new RegExp(`^${API_KEY_PATTERN.source}\\n$`);

describe.each(ENGINES)('drawbridge CLI beside a running server (%s)', (engine) => {
  let data: DataStore;
  let server: Server;
  beforeAll(async () => {
    data = await createDataStore(engine);
    server = await startServer(data.env);
  });
  afterAll(async () => {
    await killAll();
    await data?.remove();
  });

  it('admin-key create prints the key alone; list shows its id, never the secret; revoke makes it fail with 401', async () => {
    const created = await cli(['admin-key', 'create', '--name', 'ops-laptop'], data.env);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(KEY_ONLY);
    const key = created.stdout.trim();
    const [, id, secret] = /^dbk_([0-9a-f]{16})\.(.+)$/.exec(key)!;

    // The running server accepts the key the CLI wrote into its database.
    const before = await api(server.baseUrl, key, 'GET', '/api/v1/organisations');
    expect(before.status, JSON.stringify(before.body)).toBe(200);

    const listed = await cli(['admin-key', 'list'], data.env);
    expect(listed.code, listed.stderr).toBe(0);
    const row = listed.stdout.split('\n').find((line) => line.startsWith(`${id}\t`));
    expect(row, listed.stdout).toBeDefined();
    expect(row).toContain('ops-laptop');
    expect(listed.stdout).not.toContain(secret!);
    expect(listed.stdout).not.toMatch(API_KEY_PATTERN);

    const revoked = await cli(['admin-key', 'revoke', id!], data.env);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(id);

    const after = await api(server.baseUrl, key, 'GET', '/api/v1/organisations');
    expect(after.status).toBe(401);

    // Revoking it again is an error, not a silent success.
    const again = await cli(['admin-key', 'revoke', id!], data.env);
    expect(again.code).not.toBe(0);
  });

  it('org create prints the organisation as JSON; org list and the server both show it', async () => {
    const created = await cli(
      ['org', 'create', '--name', 'Globex Inc', '--slug', `globex-${engine}`],
      data.env,
    );
    expect(created.code, created.stderr).toBe(0);
    const org = JSON.parse(created.stdout) as { id: string; name: string; slug: string };
    expect(org).toMatchObject({ id: expect.any(String), name: 'Globex Inc', slug: `globex-${engine}` });

    const listed = await cli(['org', 'list'], data.env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.split('\n')).toContain(`${org.id}\tglobex-${engine}\tGlobex Inc`);

    const key = (await cli(['admin-key', 'create'], data.env)).stdout.trim();
    const got = await api(server.baseUrl, key, 'GET', `/api/v1/organisations/${org.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id: org.id, slug: `globex-${engine}` });

    // A taken slug is refused with a non-zero exit and no JSON on stdout.
    const duplicate = await cli(['org', 'create', '--name', 'Other', '--slug', `globex-${engine}`], data.env);
    expect(duplicate.code).not.toBe(0);
    expect(duplicate.stdout).toBe('');
  });
});

describe('drawbridge CLI on its own', () => {
  const dirs: { remove(): void }[] = [];
  const freshDir = () => {
    const dir = tempDir();
    dirs.push(dir);
    return dir.path;
  };
  afterEach(killAll);
  afterAll(() => {
    for (const d of dirs) d.remove();
  });

  it('migrate applies the schema to a fresh directory, then says it is up to date', async () => {
    const env = { DATA_DIR: freshDir() };
    const first = await cli(['migrate'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^applied: \S/);
    const second = await cli(['migrate'], env);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/up to date/);
    expect(second.stdout).not.toMatch(/applied/);
  });

  it('config check accepts a valid configuration', async () => {
    const res = await cli(['config', 'check'], { DATA_DIR: freshDir(), PORT: '8443' });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('Configuration is valid');
    expect(res.stdout).toContain('PORT=8443');
  });

  it('config check rejects a bad configuration with exit code 2, naming every bad variable on stderr', async () => {
    const res = await cli(['config', 'check'], { DATA_DIR: freshDir(), PORT: 'abc', ROLES: 'x' });
    expect(res.code).toBe(2);
    expect(res.stdout).not.toContain('Configuration is valid');
    const problems = res.stderr.split('\n').filter((l) => /^\s*- /.test(l));
    expect(
      problems.some((l) => l.includes('PORT') && l.includes('abc')),
      res.stderr,
    ).toBe(true);
    expect(
      problems.some((l) => l.includes('ROLES')),
      res.stderr,
    ).toBe(true);
  });

  it('an unknown command exits 2 and prints the usage', async () => {
    const res = await cli(['frobnicate'], { DATA_DIR: freshDir() });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('frobnicate');
    expect(res.stderr).toContain('Usage: drawbridge <command>');
    expect(res.stdout).toBe('');
  });

  it('npx drawbridge runs the same CLI (org create, then org list)', async () => {
    const env = { DATA_DIR: freshDir() };
    const created = await cli(['org', 'create', '--name', 'Initech', '--slug', 'initech'], env);
    expect(created.code, created.stderr).toBe(0);
    const { id } = JSON.parse(created.stdout) as { id: string };
    const res = await run('npx', ['--no-install', 'drawbridge', 'org', 'list'], childEnv(env));
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout.split('\n')).toContain(`${id}\tinitech\tInitech`);
  });
});
