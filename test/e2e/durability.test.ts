/**
 * An acknowledged write survives the process dying the very next instant: the server is
 * SIGKILLed as soon as the 201 of the last write arrives, then started again on the same
 * data, and every acknowledged organisation is there.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  ADMIN_KEY,
  api,
  createDataStore,
  type DataStore,
  ENGINES,
  killAll,
  type Server,
  startServer,
} from './support.ts';

const WRITES = 5;

interface Org {
  id: string;
  slug: string;
  name: string;
}

function createOrganisation(server: Server, slug: string): Promise<Response> {
  return fetch(`${server.baseUrl}/api/v1/organisations`, {
    method: 'POST',
    headers: { authorization: `Api-Key ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `Org ${slug}`, slug }),
    signal: AbortSignal.timeout(10_000),
  });
}

/** SIGKILL right now, then wait until the process is gone. */
async function killNow(server: Server): Promise<void> {
  server.child.signal('SIGKILL');
  const exit = await server.child.waitForExit(10_000);
  expect(exit.signal).toBe('SIGKILL');
}

async function listAll(server: Server): Promise<Org[]> {
  const res = await api(server.baseUrl, ADMIN_KEY, 'GET', '/api/v1/organisations?limit=100');
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body as { items: Org[] }).items;
}

describe.each(ENGINES)('acknowledged writes survive SIGKILL (%s)', (engine) => {
  let data: DataStore;
  const env = () => ({ ...data.env, DRAWBRIDGE_ADMIN_KEY: ADMIN_KEY });
  afterEach(killAll);
  afterAll(async () => {
    await killAll();
    await data?.remove();
  });

  it('keeps every organisation acknowledged before kill -9, one write after another and all at once', async () => {
    data = await createDataStore(engine);
    const acknowledged: string[] = [];

    // Round 1: writes one after another; the kill follows the last 201 without a pause.
    let server = await startServer(env());
    for (let i = 1; i <= WRITES; i++) {
      const slug = `seq-${i}`;
      const res = await createOrganisation(server, slug);
      if (i === WRITES && res.status === 201) server.child.signal('SIGKILL');
      expect(res.status).toBe(201);
      acknowledged.push(slug);
    }
    await killNow(server);

    // Round 2: writes in flight together; the kill follows the last of the 201s.
    server = await startServer(env());
    expect((await listAll(server)).map((o) => o.slug).sort()).toEqual([...acknowledged].sort());
    const burst = Array.from({ length: WRITES }, (_, i) => `burst-${i + 1}`);
    let pending = burst.length;
    const statuses = await Promise.all(
      burst.map(async (slug) => {
        const res = await createOrganisation(server, slug);
        if (--pending === 0) server.child.signal('SIGKILL');
        return res.status;
      }),
    );
    expect(statuses).toEqual(burst.map(() => 201));
    acknowledged.push(...burst);
    await killNow(server);

    // After the second kill every acknowledged organisation is there and readable by id.
    server = await startServer(env());
    const orgs = await listAll(server);
    expect(orgs.map((o) => o.slug).sort()).toEqual([...acknowledged].sort());
    for (const org of orgs) {
      const got = await api(server.baseUrl, ADMIN_KEY, 'GET', `/api/v1/organisations/${org.id}`);
      expect(got.status).toBe(200);
      expect(got.body).toMatchObject({ id: org.id, slug: org.slug, name: `Org ${org.slug}` });
    }
  });
});
