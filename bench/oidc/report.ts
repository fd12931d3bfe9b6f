/** bench:oidc's report: printed in the terminal, and as its section of docs/performance.md. */
import {
  fmt,
  type Goal,
  goalTable,
  markdownTable,
  measuredOn,
  reportHead,
  textTable,
} from '../lib/report.ts';
import { profileMarkdownTables, profileTextTables, sqlHeaders, sqlRows } from '../lib/server-profile.ts';
import { methodText } from './method-text.ts';
import type { OidcOptions } from './plan.ts';
import {
  CALLBACK_HEADERS,
  callbackRows,
  type Results,
  sharedCoresNote,
  VERIFY_HEADERS,
  verifyRows,
} from './report-tables.ts';

function profileLoad(opts: OidcOptions): string {
  return opts.profileConcurrency === 1 ? 'one at a time' : `${opts.profileConcurrency} at a time`;
}

const SQL_HEADERS = sqlHeaders('callback');

export function printReport(r: Results, goals: Goal[], opts: OidcOptions): void {
  const out = reportHead('OIDC benchmark', r.date, r.machine, sharedCoresNote());
  out.push(textTable(CALLBACK_HEADERS, callbackRows(r)), '');
  out.push(textTable(VERIFY_HEADERS, verifyRows(r)), '');
  out.push(goalTable(goals), '');
  if (r.profile) {
    const p = r.profile;
    out.push(
      `Profile of the callback server (${p.callbacks} callbacks ${profileLoad(opts)} in ${p.seconds.toFixed(1)} s under --cpu-prof, ${fmt.us((p.summary.busyMs * 1000) / p.callbacks)} µs busy per callback; ${p.file}):`,
      '',
      ...profileTextTables(p.summary, [25, 15, 25]),
      '',
      `Time inside SQLite by statement (the profiled server took ${fmt.us((p.seconds * 1e6) / p.callbacks)} µs of wall time per callback, ${fmt.us((p.summary.busyMs * 1000) / p.callbacks)} µs of it busy):`,
      textTable(SQL_HEADERS, sqlRows(p.sql, p.callbacks, 15)),
      '',
    );
  }
  console.log(out.join('\n'));
}

export function markdownOf(r: Results, goals: Goal[], opts: OidcOptions, command: string): string {
  const p = r.profile;
  return [
    '## OIDC callback and ID token validation',
    '',
    measuredOn(r.date, command, 'bench/oidc.ts'),
    '',
    goalTable(goals, true),
    '',
    `### (a) Callbacks against a provider stubbed at the socket (${opts.alg} ID tokens, SQLite)`,
    '',
    markdownTable(CALLBACK_HEADERS, callbackRows(r)),
    '',
    sharedCoresNote(),
    '',
    '### (b) ID token validations, in process',
    '',
    markdownTable(VERIFY_HEADERS, verifyRows(r)),
    '',
    '### Machine',
    '',
    markdownTable(['Item', 'Value'], r.machine),
    ...(p
      ? [
          '',
          `### Where the callback server's time goes (\`--profile\`, ${p.callbacks} callbacks ${profileLoad(opts)})`,
          '',
          ...profileMarkdownTables(p.summary),
          '',
          `Time inside SQLite by statement, per callback (the profiled server took ${fmt.us((p.seconds * 1e6) / p.callbacks)} µs of wall time per callback, ${fmt.us((p.summary.busyMs * 1000) / p.callbacks)} µs of it busy):`,
          '',
          markdownTable(SQL_HEADERS, sqlRows(p.sql, p.callbacks, 10)),
        ]
      : []),
    '',
    '### Method',
    '',
    methodText(r, opts),
  ].join('\n');
}
