/**
 * `--profile`: where the ACS server's time goes, on a second server under `node --cpu-prof` after
 * the measurement (not part of the measured numbers).
 */
import { Agent } from 'node:http';
import { IDP_A_KEY } from '../../test/saml/response/support/keys.ts';
import { type ServerProfile, startProfiledServer } from '../lib/server-profile.ts';
import { formBody, postAll, setUpSaml } from './drawbridge.ts';
import { type SamlOptions, SERVER_ENV, WARMUP_REQUESTS } from './plan.ts';
import type { Vectors } from './vectors.ts';

export interface AcsProfile extends ServerProfile {
  requests: number;
  seconds: number;
}

/**
 * The ACS once more, on a second server started under `node --cpu-prof` with the first one's
 * BASE_URL (so the same signed responses are valid there; its database is fresh, so none is a
 * replay): a warm-up, then a few seconds of load; only the samples of that window are
 * summarised.
 */
export async function profileAcs(first: { url: string }, v: Vectors, opts: SamlOptions): Promise<AcsProfile> {
  const profiled = await startProfiledServer('saml', {
    env: { ...SERVER_ENV, BASE_URL: first.url },
    nodeArgs: opts.serverNodeOptions,
  });
  const { server } = profiled;
  const agent = new Agent({ keepAlive: true, maxSockets: opts.concurrency });
  try {
    const setup = await setUpSaml(server.url, IDP_A_KEY.certPem);
    const bodies = v.pool.map(formBody);
    const send = async (from: number, to: number, seconds: number) => {
      const url = setup.acsUrl.replace(first.url, server.url);
      const r = await postAll(url, bodies, { from, to }, seconds, opts.concurrency, agent, `${first.url}/`);
      if (r.failures > 0) throw new Error(`profile run: ${r.failures} failures; first: ${r.firstFailure}`);
      return r;
    };
    await send(0, WARMUP_REQUESTS, 120);
    const fromUs = await profiled.startWindow();
    const r = await send(WARMUP_REQUESTS, bodies.length, 4);
    return { ...(await profiled.finish(fromUs)), requests: r.requests, seconds: r.seconds };
  } finally {
    agent.destroy();
    await server.stop();
  }
}
