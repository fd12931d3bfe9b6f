/** bench:core's report: printed in the terminal, and as its section of docs/performance.md. */
import type { LoadSettings } from '../lib/load.ts';
import { BACKGROUND_WARN_PCT } from '../lib/quiet.ts';
import { fmt, goalTable, markdownTable, measuredOn, reportHead, textTable } from '../lib/report.ts';
import { methodText } from './method-text.ts';
import {
  type Report,
  START_HEADERS,
  sharedCoresNote,
  startRows,
  THROUGHPUT_HEADERS,
  throughputRows,
} from './report-tables.ts';

export function printReport(r: Report): void {
  const out = reportHead('core benchmark', r.date, r.machine, sharedCoresNote());
  if (r.backgroundPct > BACKGROUND_WARN_PCT) {
    out.push(
      `WARNING: other processes used ${fmt.pct(r.backgroundPct)} of a core before the run; see "other CPU".`,
      '',
    );
  }
  out.push(textTable(START_HEADERS, startRows(r.starts, r.engines)), '');
  out.push(textTable(THROUGHPUT_HEADERS, throughputRows(r.engines)), '');
  if (r.postgresNote) out.push(`PostgreSQL: ${r.postgresNote}`, '');
  out.push(goalTable(r.goals), '');
  console.log(out.join('\n'));
}

export function markdownOf(r: Report, settings: LoadSettings, command: string): string {
  return [
    '## Core benchmark',
    '',
    measuredOn(r.date, command, 'bench/core.ts'),
    '',
    goalTable(r.goals, true),
    '',
    '### Machine',
    '',
    markdownTable(['Item', 'Value'], r.machine),
    '',
    sharedCoresNote(),
    '',
    '### Start time and memory',
    '',
    markdownTable(START_HEADERS, startRows(r.starts, r.engines)),
    '',
    `### Throughput (${settings.connections} connections, ${settings.segmentSeconds * 2} s per route)`,
    '',
    markdownTable(THROUGHPUT_HEADERS, throughputRows(r.engines)),
    ...(r.postgresNote ? ['', `PostgreSQL: ${r.postgresNote}`] : []),
    '',
    '### Method',
    '',
    methodText(settings),
  ].join('\n');
}
