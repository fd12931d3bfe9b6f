/**
 * The server's start path runs the environment bootstrap (src/server.ts startServer, the
 * function `npm start` calls): a LiteLLM environment gives a working connection with no API
 * call, visible through the admin API of the running server; a wrong SSO_DEFAULT_ROLE stops
 * the start with a configuration error.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.ts';
import { type RunningServer, startServer } from '../../src/server.ts';
import { freePort } from '../e2e/support.ts';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/databases.ts';

const ADMIN_KEY = 'bootstrap-start-admin-key-0123456789';

describe.each(ENGINES)('start with LiteLLM variables (%s)', (engine) => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  async function config(db: TestDatabase, env: Record<string, string>) {
    const port = await freePort();
    return loadConfig({
      ...db.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      DRAWBRIDGE_ADMIN_KEY: ADMIN_KEY,
      DRAWBRIDGE_SECRET: 'start-test-secret-start-test-secret-00',
      ...env,
    });
  }

  it('creates the google connection before listening; the admin API shows it, secret never returned', async () => {
    const db = await createTestDatabase(engine);
    cleanup.push(() => db.drop());
    const env = {
      GOOGLE_CLIENT_ID: 'start-client',
      GOOGLE_CLIENT_SECRET: 'start-secret',
      SSO_DEFAULT_ORGANISATION: 'litellm',
    };
    const server: RunningServer = await startServer(await config(db, env), () => {});
    cleanup.push(() => server.stop());
    const headers = { authorization: `Api-Key ${ADMIN_KEY}` };
    const orgs = (await (await fetch(`${server.url}/api/v1/organisations`, { headers })).json()) as {
      items: { id: string; slug: string }[];
    };
    const org = orgs.items.find((o) => o.slug === 'litellm')!;
    expect(org).toBeDefined();
    const res = await fetch(`${server.url}/api/v1/organisations/${org.id}/oidc-configurations/google`, {
      headers,
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({
      name: 'google',
      provider: 'google',
      clientId: 'start-client',
      source: 'env',
      hasClientSecret: true,
    });
    expect(text).not.toContain('start-secret');
    const before = (await server.store.oidcConfigurations.getByName('google'))!;
    await server.stop();

    // A second start with the same environment leaves the row as it was.
    const again = await startServer(await config(db, env), () => {});
    cleanup.push(() => again.stop());
    expect(await again.store.oidcConfigurations.getByName('google')).toEqual(before);
    await again.stop();
  });

  it('refuses to start when SSO_DEFAULT_ROLE is not a role, naming the variable', async () => {
    const db = await createTestDatabase(engine);
    cleanup.push(() => db.drop());
    const bad = await config(db, { GOOGLE_CLIENT_ID: 'x', SSO_DEFAULT_ROLE: 'wizard' });
    const started = startServer(bad, () => {});
    await expect(started).rejects.toThrow(ConfigError);
    await expect(started).rejects.toThrow(/SSO_DEFAULT_ROLE/);
  });
});
