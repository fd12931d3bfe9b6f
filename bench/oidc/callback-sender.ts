/**
 * The prepared callbacks of one server, sent in turn: each call sends the next `n` of them, so a
 * benchmark's runs (warm-up, timed rounds) never send one twice. Shared by bench:oidc,
 * bench:oidc:compare and the profiled run.
 */
import type { Agent } from 'node:http';
import { isRunning, type ServerProcess } from '../lib/server-process.ts';
import { type Callback, type CallbackRun, NEXT_PATH, sendCallbacks } from './drawbridge.ts';
import type { StubOp } from './stub-op.ts';

export type SendNext = ((count: number, maxSeconds: number, concurrency: number) => Promise<CallbackRun>) & {
  /** How many prepared callbacks have not been sent yet. */
  remaining(): number;
};

/**
 * `send(count, maxSeconds, concurrency)` over `agent`. A run throws, with the server's last
 * output, when any answer was not a 303 to NEXT_PATH with a session cookie, when the stub refused
 * a request meanwhile (`refused`, when given: a refused token request is a measurement of
 * something else), or when the server process is gone.
 */
export function callbackSender(
  server: ServerProcess,
  callbacks: Callback[],
  agent: Agent,
  options: { label?: string; refused?: StubOp['refused'] } = {},
): SendNext {
  const expect = `${server.url}${NEXT_PATH}`;
  const prefix = options.label ? `${options.label}: ` : '';
  let cursor = 0;
  const send = async (count: number, maxSeconds: number, concurrency: number) => {
    const r = await sendCallbacks(
      server.url,
      callbacks,
      { from: cursor, to: cursor + count },
      maxSeconds,
      concurrency,
      agent,
      expect,
    ).catch((err: Error) => {
      throw isRunning(server.pid)
        ? err
        : new Error(
            `${prefix}the server process ${server.pid} is gone (${err.message}); its last output:\n${server.logTail()}`,
          );
    });
    cursor = r.next;
    const refusals = options.refused?.count ?? 0;
    if (r.failures > 0 || refusals > 0) {
      throw new Error(
        `${prefix}callbacks: ${r.failures} of ${r.requests} answers were not a 303 with a session (status codes ` +
          `${JSON.stringify(r.statusCodes)}); first: ${r.firstFailure ?? 'none'}; stub refusals: ${refusals} ` +
          `(${options.refused?.first ?? 'none'})\n--- server output ---\n${server.logTail()}`,
      );
    }
    return r;
  };
  return Object.assign(send, { remaining: () => callbacks.length - cursor });
}
