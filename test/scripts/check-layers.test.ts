import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function check(files: Record<string, string>): { code: number; output: string } {
  const src = join(mkdtempSync(join(tmpdir(), 'layers-')), 'src');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(src, path, '..'), { recursive: true });
    writeFileSync(join(src, path), text);
  }
  try {
    const out = execFileSync(process.execPath, ['scripts/check-layers.ts', src], {
      encoding: 'utf8',
      stdio: 'pipe',
    });
    return { code: 0, output: out };
  } catch (err) {
    const e = err as { status: number; stderr: string };
    return { code: e.status, output: e.stderr };
  }
}

describe('dependency-direction check', () => {
  it('passes the real source tree', () => {
    expect(execFileSync(process.execPath, ['scripts/check-layers.ts'], { encoding: 'utf8' })).toContain(
      'layers: ok',
    );
  });

  it('fails when a protocol core imports anything of ours', () => {
    const r = check({
      'saml/validate.ts': "import { x } from '../store/store.ts';\n",
      'store/store.ts': 'export const x = 1;\n',
    });
    expect(r.code).toBe(1);
    expect(r.output).toContain('saml/validate.ts (saml) imports ../store/store.ts (store)');
  });

  it('fails when storage imports the HTTP layer', () => {
    const r = check({
      'store/a.ts': "export { y } from '../http/b.ts';\n",
      'http/b.ts': 'export const y = 1;\n',
    });
    expect(r.code).toBe(1);
  });

  it('allows http/ to import identity/ and store/', () => {
    const r = check({
      'http/a.ts': "import { b } from '../identity/b.ts';\nimport { c } from '../store/c.ts';\n",
      'identity/b.ts': 'export const b = 1;\n',
      'store/c.ts': 'export const c = 1;\n',
    });
    expect(r.code).toBe(0);
  });
});
