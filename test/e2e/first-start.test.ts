/**
 * The first command of the README, start to finish: `npm start` on an empty data directory
 * prints where it runs and a one-time instance-admin key; that key works over real HTTP;
 * SIGTERM stops it cleanly; the second start prints no key and everything is still there.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  API_KEY_PATTERN,
  api,
  type Child,
  childEnv,
  createDataStore,
  type DataStore,
  ENGINES,
  freePort,
  isAlive,
  killAll,
  serverPidUnder,
  start,
  waitReady,
} from './support.ts';

const URL_LINE = /^Drawbridge is running at (\S+) /m;
const KEY_LINE = new RegExp(`^\\s*(${API_KEY_PATTERN.source})\\s*$`, 'm');

/** `npm start` exactly as a person would run it: only PORT and DATA_DIR (and DATABASE_URL) set. */
async function npmStart(data: DataStore): Promise<{ npm: Child; url: string }> {
  const port = await freePort();
  const npm = start('npm', ['start'], childEnv({ PORT: String(port), LOG_LEVEL: 'info', ...data.env }));
  const url = (await npm.waitForStdout(URL_LINE, 20_000))[1]!;
  expect(url).toBe(`http://localhost:${port}`);
  await waitReady(url, npm);
  return { npm, url };
}

/** SIGTERM to the server process (node, under npm and sh): it stops, and `npm start` exits 0. */
async function stopWithSigterm(npm: Child): Promise<void> {
  const serverPid = serverPidUnder(npm);
  process.kill(serverPid, 'SIGTERM');
  const exit = await npm.waitForExit(15_000);
  expect(exit, npm.describe()).toEqual({ code: 0, signal: null });
  expect(isAlive(serverPid)).toBe(false);
  expect(npm.stderr()).toContain('SIGTERM received, stopping');
}

describe.each(ENGINES)('first start with npm start (%s)', (engine) => {
  const stores: DataStore[] = [];
  afterEach(killAll);
  afterAll(async () => {
    for (const s of stores) await s.remove();
  });

  it('prints a working one-time admin key, keeps data across a graceful restart, never prints the key again', async () => {
    const data = await createDataStore(engine);
    stores.push(data);

    // First start: the URL line, then the key on a line of its own.
    const first = await npmStart(data);
    const firstKey = (await first.npm.waitForStdout(KEY_LINE))[1]!;
    expect(
      first.npm
        .stdout()
        .match(new RegExp(API_KEY_PATTERN.source, 'g'))
        ?.every((k) => k === firstKey),
    ).toBe(true);

    // The key is real: an unknown key of the same shape is refused, the printed one is not.
    const forged = `${firstKey.slice(0, 21)}${'A'.repeat(43)}`;
    expect((await api(first.url, forged, 'GET', '/api/v1/organisations')).status).toBe(401);

    const org = await api(first.url, firstKey, 'POST', '/api/v1/organisations', {
      name: 'Acme Corp',
      slug: 'acme',
    });
    expect(org.status, JSON.stringify(org.body)).toBe(201);
    const orgId = (org.body as { id: string }).id;
    expect(orgId).toEqual(expect.any(String));

    const group = await api(first.url, firstKey, 'POST', `/api/v1/organisations/${orgId}/groups`, {
      name: 'Engineers',
      externalId: 'okta-group-00g1engineers',
    });
    expect(group.status, JSON.stringify(group.body)).toBe(201);
    expect(group.body).toMatchObject({ name: 'Engineers', externalId: 'okta-group-00g1engineers' });
    const groupId = (group.body as { id: string }).id;

    const created = await api(first.url, firstKey, 'POST', '/api/v1/api-keys', { name: 'deploy-bot' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { id: keyId, key: newKey } = created.body as { id: string; key: string };
    expect(newKey).toMatch(new RegExp(`^${API_KEY_PATTERN.source}$`));
    expect(newKey).not.toBe(firstKey);

    await stopWithSigterm(first.npm);

    // Second start on the same data: no key, no first-start banner.
    const second = await npmStart(data);
    const got = await api(second.url, firstKey, 'GET', `/api/v1/organisations/${orgId}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id: orgId, name: 'Acme Corp', slug: 'acme' });

    const gotGroup = await api(
      second.url,
      firstKey,
      'GET',
      `/api/v1/organisations/${orgId}/groups/${groupId}`,
    );
    expect(gotGroup.status).toBe(200);
    expect(gotGroup.body).toMatchObject({
      id: groupId,
      name: 'Engineers',
      externalId: 'okta-group-00g1engineers',
    });

    // The key created over the API authenticates after the restart, and is listed.
    const listed = await api(second.url, newKey, 'GET', '/api/v1/organisations');
    expect(listed.status, JSON.stringify(listed.body)).toBe(200);
    expect((listed.body as { items: { id: string }[] }).items.map((o) => o.id)).toEqual([orgId]);
    const keys = await api(second.url, newKey, 'GET', '/api/v1/api-keys');
    expect(keys.status).toBe(200);
    expect((keys.body as { items: { id: string; name: string }[] }).items).toContainEqual(
      expect.objectContaining({ id: keyId, name: 'deploy-bot' }),
    );

    await stopWithSigterm(second.npm);
    // Read after the exit, so every line the second start printed is in.
    expect(second.npm.stdout()).toMatch(URL_LINE);
    expect(second.npm.stdout()).not.toMatch(API_KEY_PATTERN);
    expect(second.npm.stdout()).not.toContain('First start');
  });
});
