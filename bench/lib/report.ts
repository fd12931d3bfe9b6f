/**
 * Plain-text and Markdown tables, the parts every benchmark report shares (heading, goals), and
 * replacing a generated block inside docs/performance.md.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { REPO_ROOT } from './server-process.ts';

export type Row = string[];

/** Column-aligned text; columns whose header starts with '>' are right-aligned. */
export function textTable(headers: string[], rows: Row[]): string {
  const right = headers.map((h) => h.startsWith('>'));
  const head = headers.map((h) => (h.startsWith('>') ? h.slice(1) : h));
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function markdownTable(headers: string[], rows: Row[]): string {
  const right = headers.map((h) => h.startsWith('>'));
  const head = headers.map((h) => (h.startsWith('>') ? h.slice(1) : h));
  const esc = (c: string) => c.replaceAll('|', '\\|');
  return [
    `| ${head.map(esc).join(' | ')} |`,
    `| ${right.map((r) => (r ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

/**
 * Puts `body` between `<!-- {id}:start -->` and `<!-- {id}:end -->` in the file, replacing
 * what was there; appends the block (or creates the file with `title`) when there is none.
 */
export function writeGeneratedBlock(path: string, id: string, body: string, title: string): void {
  const start = `<!-- ${id}:start -->`;
  const end = `<!-- ${id}:end -->`;
  const block = `${start}\n${body.trim()}\n${end}`;
  const existing = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  let next: string;
  if (existing === undefined) {
    next = `${title.trim()}\n\n${block}\n`;
  } else {
    const a = existing.indexOf(start);
    const b = existing.indexOf(end);
    if (a !== -1 && b > a) {
      next = existing.slice(0, a) + block + existing.slice(b + end.length);
    } else {
      next = `${existing.trimEnd()}\n\n${block}\n`;
    }
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, next);
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');

export const fmt = {
  int,
  ms: (n: number) => (n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0)),
  mib: (kib: number) => (kib / 1024).toFixed(1),
  pct: (n: number) => `${n.toFixed(0)}%`,
  ratio: (n: number) => n.toFixed(2),
  /** Operations per second, or microseconds: one decimal below 100. */
  rate: (n: number) => (n >= 100 ? int(n) : n.toFixed(1)),
  us: (n: number) => (n >= 100 ? int(n) : n.toFixed(1)),
};

/** When the report was measured: ISO 8601 to the second. */
export function reportDate(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

/** The top of a printed report: title, date, the machine table and the note on shared cores. */
export function reportHead(title: string, date: string, machine: Row[], sharedCoresNote: string): string[] {
  return [
    '',
    `Drawbridge ${title} — ${date}`,
    '',
    textTable(['Machine', ''], machine),
    '',
    sharedCoresNote,
    '',
  ];
}

/** The first line of a docs/performance.md section. */
export function measuredOn(date: string, command: string, program: string): string {
  return `Measured on ${date} with \`${command}\` (${program}). This section is rewritten by that command.`;
}

export interface Goal {
  name: string;
  target: string;
  measured: string;
  pass: boolean;
}

/** Goal, target, measured, PASS or MISS (bold in Markdown). */
export function goalTable(goals: Goal[], markdown = false): string {
  const rows = goals.map((g) => [
    g.name,
    g.target,
    g.measured,
    g.pass ? 'PASS' : markdown ? '**MISS**' : 'MISS',
  ]);
  return (markdown ? markdownTable : textTable)(['Goal', 'Target', 'Measured', 'Result'], rows);
}

/** 'all goals met', or how many were missed. */
export function goalVerdict(goals: Goal[]): string {
  const missed = goals.filter((g) => !g.pass).length;
  return missed === 0 ? 'all goals met' : `${missed} goal(s) missed`;
}

const DOC_PATH = join(REPO_ROOT, 'docs/performance.md');

/** Replaces the `id` section (`--write`) of docs/performance.md, creating the file when needed. */
export function writePerformanceSection(id: string, markdown: string, log: (line: string) => void): void {
  writeGeneratedBlock(
    DOC_PATH,
    id,
    markdown,
    '# Performance\n\nMeasured numbers for Drawbridge; re-measure on your own hardware with the command in each section.',
  );
  log(`wrote ${relative(REPO_ROOT, DOC_PATH)}`);
}
