/**
 * What a failing property prints: the request and the answer in a form to paste into a bug
 * report, shortened so that a 20,000-character body does not bury the reason.
 */

import type { Outcome } from './send.ts';

export function truncate(s: string, n = 600): string {
  return s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s;
}

/** Method, URL, headers, body and the answer, in a form to paste into a bug report. */
export function describeOutcome(o: Outcome): string {
  const payload =
    o.sent.payload === undefined
      ? '(none)'
      : typeof o.sent.payload === 'string'
        ? JSON.stringify(truncate(o.sent.payload))
        : `<${o.sent.payload.length} bytes>`;
  const headers = Object.fromEntries(
    Object.entries(o.sent.headers).map(([k, v]) => [
      k,
      k === 'authorization' || k === 'cookie' ? truncate(v, 80) : v,
    ]),
  );
  return [
    `  request:  ${o.sent.method} ${truncate(o.sent.url, 400)}`,
    `  headers:  ${JSON.stringify(headers)}`,
    `  body:     ${payload}`,
    `  response: ${o.status} ${truncate(o.body)}`,
  ].join('\n');
}

export class PropertyViolation extends Error {
  override name = 'PropertyViolation';
}
