/**
 * One request to the property app, kept with its answer, so that a failing property can
 * print exactly what was sent (failure-report.ts).
 */

import type { InjectOptions } from 'fastify';
import type { Fixture } from './fixture.ts';

export interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
}

export interface Outcome {
  sent: Sent;
  status: number;
  body: string;
  contentType: string | undefined;
}

export async function send(f: Fixture, sent: Sent): Promise<Outcome> {
  const res = await f.t.app.inject({
    method: sent.method as InjectOptions['method'],
    url: sent.url,
    // Sign-in pages answer people with HTML and clients that ask for JSON with the error format.
    headers: { accept: 'application/json', ...sent.headers },
    ...(sent.payload !== undefined ? { payload: sent.payload } : {}),
  });
  const ct = res.headers['content-type'];
  return {
    sent,
    status: res.statusCode,
    body: res.body,
    contentType: typeof ct === 'string' ? ct : undefined,
  };
}

/** JSON text for a payload; `undefined` and other non-JSON values are sent as their closest JSON. */
export function jsonText(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}
