/**
 * `--profile`: where the callback server's time goes, on a second server under `node --cpu-prof`
 * after the measurement (not part of the measured numbers).
 */
import { Agent } from 'node:http';
import { type ServerProfile, startProfiledServer } from '../lib/server-profile.ts';
import { callbackSender } from './callback-sender.ts';
import { setUpOidc } from './drawbridge.ts';
import type { makeKey } from './jwt.ts';
import {
  LOGIN_START_CONCURRENCY,
  MAPPED_GROUPS,
  type OidcOptions,
  SERVER_ENV,
  WARMUP_CALLBACKS,
} from './plan.ts';
import { prepareCallbacks } from './prepare-callbacks.ts';
import type { StubOp } from './stub-op.ts';

export interface CallbackProfile extends ServerProfile {
  callbacks: number;
  seconds: number;
}

/**
 * The callbacks once more, on a second server under `node --cpu-prof` (with bench/saml's
 * node:sqlite statement timer preloaded): warm-up, then a few seconds at the throughput run's
 * concurrency; only the samples of that window are summarised.
 */
export async function profileCallbacks(
  op: StubOp,
  key: ReturnType<typeof makeKey>,
  opts: OidcOptions,
): Promise<CallbackProfile> {
  const profiled = await startProfiledServer('oidc', { env: SERVER_ENV });
  const { server } = profiled;
  const agent = new Agent({
    keepAlive: true,
    maxSockets: Math.max(opts.concurrency, LOGIN_START_CONCURRENCY),
  });
  try {
    const setup = await setUpOidc(server.url, op.issuer, MAPPED_GROUPS);
    const measured = opts.profileConcurrency === 1 ? opts.sequentialMax * 3 : opts.concurrentMax * 2;
    const callbacks = await prepareCallbacks(server, setup, op, key, WARMUP_CALLBACKS + measured, 0, agent);
    const send = callbackSender(server, callbacks, agent, { label: 'profiled run', refused: op.refused });
    await send(WARMUP_CALLBACKS, 120, opts.concurrency);
    const fromUs = await profiled.startWindow();
    const r = await send(send.remaining(), 4, opts.profileConcurrency);
    const profile = await profiled.finish(fromUs);
    return { ...profile, callbacks: r.requests, seconds: r.seconds };
  } finally {
    agent.destroy();
    await server.stop();
  }
}
