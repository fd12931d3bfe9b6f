/** bench:saml's report: printed in the terminal, and as its section of docs/performance.md. */
import { fmt, markdownTable, measuredOn, reportHead, textTable } from '../lib/report.ts';
import { profileMarkdownTables, profileTextTables, sqlHeaders, sqlRows } from '../lib/server-profile.ts';
import { methodText } from './method-text.ts';
import type { SamlOptions } from './plan.ts';
import {
  forgedRows,
  MAIN_HEADERS,
  mainRows,
  type Ratio,
  type Results,
  ratioRows,
  sharedCoresNote,
} from './report-tables.ts';

const SQL_HEADERS = sqlHeaders('login');

export function printReport(r: Results, ratios: Ratio[]): void {
  const out = reportHead('SAML ACS benchmark', r.date, r.machine, sharedCoresNote());
  out.push(textTable(MAIN_HEADERS, mainRows(r)), '');
  out.push(textTable(['Ratio', '>Measured', 'Goal', 'Result'], ratioRows(ratios)), '');
  out.push(
    'A forged or malformed response must cost no more than a valid one (Drawbridge validateResponse):',
  );
  out.push(textTable(['Response', 'Refused with', '>µs/call', '>cost vs valid'], forgedRows(r)), '');
  if (r.profile) {
    const p = r.profile;
    out.push(
      `Profile of the ACS server (${p.requests} logins in ${p.seconds.toFixed(1)} s under --cpu-prof; ${p.file}):`,
      '',
      ...profileTextTables(p.summary, [20, 14, 20]),
      '',
      `Time inside SQLite by statement (wall time per login; the profile's wall time per login was ${fmt.us((p.seconds * 1e6) / p.requests)} µs):`,
      textTable(SQL_HEADERS, sqlRows(p.sql, p.requests, 15)),
      '',
    );
  }
  console.log(out.join('\n'));
}

export function markdownOf(r: Results, ratios: Ratio[], opts: SamlOptions, command: string): string {
  const p = r.profile;
  return [
    '## SAML ACS',
    '',
    measuredOn(r.date, command, 'bench/saml.ts'),
    '',
    markdownTable(['Ratio', '>Measured', 'Goal', 'Result'], ratioRows(ratios, true)),
    '',
    markdownTable(MAIN_HEADERS, mainRows(r)),
    '',
    sharedCoresNote(),
    '',
    '### A forged or malformed response costs no more than a valid one',
    '',
    markdownTable(['Response', 'Refused with', '>µs/call', '>cost vs valid'], forgedRows(r)),
    '',
    '### Machine',
    '',
    markdownTable(['Item', 'Value'], r.machine),
    ...(p
      ? [
          '',
          `### Where the ACS server's time goes (\`--profile\`, ${p.requests} logins)`,
          '',
          ...profileMarkdownTables(p.summary),
          '',
          `Time inside SQLite by statement, per login (the profiled server took ${fmt.us((p.seconds * 1e6) / p.requests)} µs of wall time per login):`,
          '',
          markdownTable(SQL_HEADERS, sqlRows(p.sql, p.requests, 10)),
        ]
      : []),
    '',
    '### Method',
    '',
    methodText(r, opts),
  ].join('\n');
}
