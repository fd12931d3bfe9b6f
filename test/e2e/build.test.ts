/**
 * `npm start` runs the build in dist/: plain JavaScript, so the server loads no TypeScript
 * transformer at run time (about 17 MiB of resident memory, see docs/performance.md). The build
 * must hold everything the server loads later than its first import: lazily imported modules, the
 * SAML validation thread's own script and the bundled common-password list.
 */
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestIdp } from '../saml/http/idp-fixture.ts';
import { b64, NOW, signedA } from '../saml/response/support/builder.ts';
import { ALICE, settingsA } from '../saml/response/support/expect.ts';
import {
  ADMIN_KEY,
  api,
  childEnv,
  freePort,
  killAll,
  PROJECT_ROOT,
  start,
  tempDir,
  waitReady,
} from './support.ts';

const dist = (path: string) => pathToFileURL(join(PROJECT_ROOT, 'dist', path)).href;

beforeAll(() => {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: PROJECT_ROOT, stdio: 'pipe' });
});
afterAll(killAll);

describe('the build that npm start runs (dist/)', () => {
  it('starts with TypeScript switched off in Node.js and loads the lazily imported SAML modules', async () => {
    const data = tempDir();
    try {
      const port = await freePort();
      const baseUrl = `http://127.0.0.1:${port}`;
      const child = start(
        process.execPath,
        ['--no-experimental-strip-types', 'dist/main.js'],
        childEnv({
          PORT: String(port),
          HOST: '127.0.0.1',
          BASE_URL: baseUrl,
          DATA_DIR: data.path,
          DRAWBRIDGE_ADMIN_KEY: ADMIN_KEY,
        }),
      );
      await waitReady(baseUrl, child);
      const org = await api(baseUrl, ADMIN_KEY, 'POST', '/api/v1/organisations', {
        name: 'Acme',
        slug: 'acme',
      });
      expect(org.status).toBe(201);
      const orgId = (org.body as { id: string }).id;
      // Reading IdP metadata and writing SP metadata are imported on first use.
      const idp = await createTestIdp();
      const created = await api(
        baseUrl,
        ADMIN_KEY,
        'POST',
        `/api/v1/organisations/${orgId}/saml-configurations`,
        {
          name: 'acme-okta',
          idpMetadataXml: idp.metadataXml,
        },
      );
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ idp: { entityId: idp.entityId } });
      const metadata = await fetch(`${baseUrl}/api/v1/auth/saml/acme-okta/metadata/`);
      expect(metadata.status).toBe(200);
      expect(await metadata.text()).toContain('AssertionConsumerService');
    } finally {
      await killAll();
      data.remove();
    }
  });

  it("validates a signed SAML response on the validation thread started from the build's .js script", async () => {
    const thread = (await import(dist('sso/saml-validation-thread.js'))) as {
      validateOnThread: typeof import('../../src/sso/saml-validation-thread.ts').validateOnThread;
    };
    const validated = await thread.validateOnThread(b64(signedA()), settingsA(), NOW);
    expect(validated).toEqual({ ...ALICE, encrypted: false });
  });

  it('writes nothing when nothing changed, so servers started side by side never read a file being rewritten', () => {
    const files = ['dist/.built', 'dist/main.js', 'dist/sso/saml-validation-worker.js'].map((f) =>
      join(PROJECT_ROOT, f),
    );
    const before = files.map((f) => statSync(f).mtimeMs);
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: PROJECT_ROOT, stdio: 'pipe' });
    expect(files.map((f) => statSync(f).mtimeMs)).toEqual(before);
  });

  it('carries the bundled common-password list', async () => {
    const rules = (await import(dist('credentials/password-rules.js'))) as {
      commonPasswords: typeof import('../../src/credentials/password-rules.ts').commonPasswords;
    };
    expect(rules.commonPasswords().size).toBeGreaterThan(17_000);
    expect(rules.commonPasswords().has('password')).toBe(true);
  });
});
