/** Plain-text and Markdown tables, and replacing a generated block inside a Markdown file. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

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

export const fmt = {
  int: (n: number) => Math.round(n).toLocaleString('en-US'),
  ms: (n: number) => (n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0)),
  mib: (kib: number) => (kib / 1024).toFixed(1),
  pct: (n: number) => `${n.toFixed(0)}%`,
  ratio: (n: number) => n.toFixed(2),
};
