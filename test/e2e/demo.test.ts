/**
 * `npm run demo` as a newcomer runs it (issue #5): it starts, the printed login page takes
 * alice@demo.test, home-realm discovery sends her to the demo OpenID Provider, and she comes
 * back signed in. Real processes, real HTTP, a cookie jar in place of the browser.
 */
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { authorizeAtProvider } from '../interop/oidc/browser.ts';
import { CookieJar } from '../interop/saml/browser.ts';
import { childEnv, freePort, killAll, start } from './support.ts';

afterAll(killAll);

async function browse(jar: CookieJar, url: string, form?: Record<string, string>) {
  const headers: Record<string, string> = {};
  const cookie = jar.header(url);
  if (cookie) headers.cookie = cookie;
  if (form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    headers.origin = new URL(url).origin;
  }
  const res = await fetch(url, {
    method: form ? 'POST' : 'GET',
    headers,
    ...(form ? { body: new URLSearchParams(form) } : {}),
    redirect: 'manual',
  });
  jar.store(url, res.headers.getSetCookie());
  return res;
}

describe('npm run demo', () => {
  it('lets alice@demo.test sign in through real SSO from the printed login page', async () => {
    const [port, opPort] = [await freePort(), await freePort()];
    const demo = start(
      'npm',
      ['run', 'demo'],
      childEnv({ DEMO_PORT: String(port), DEMO_OP_PORT: String(opPort) }),
    );
    const base = `http://localhost:${port}`;
    await demo.waitForStdout(/Drawbridge demo is running/, 60_000);
    expect(demo.stdout()).toContain(`Open ${base}/login`);
    const dataDir = demo.stdout().match(/Data: (\S+)/)![1]!;

    const jar = new CookieJar();
    const page = await (await browse(jar, `${base}/login`)).text();
    const csrf = page.match(/name="csrf" value="([^"]+)"/)![1]!;
    const discovered = await browse(jar, `${base}/login`, { email: 'alice@demo.test', next: '/', csrf });
    expect(discovered.status).toBe(303);
    expect(discovered.headers.get('location')).toBe('/api/v1/auth/oidc/demo-oidc/login/?next=%2F');
    const toProvider = await browse(jar, `${base}${discovered.headers.get('location')}`);
    const callback = await authorizeAtProvider(
      toProvider.headers.get('location')!,
      'alice@demo.test',
      `${base}/api/v1/auth/oidc/`,
    );
    const back = await browse(jar, callback);
    expect(back.status, await back.clone().text()).toBe(303);
    const home = await (await browse(jar, `${base}/`)).text();
    expect(home).toContain('alice@demo.test');
    expect(home).toContain('Demo Inc');

    // Ctrl-C: SIGINT to the whole foreground process group (npm and the demo under it).
    process.kill(-demo.pid, 'SIGINT');
    await demo.waitForExit(20_000).catch(() => demo.killGroup());
    expect(existsSync(dataDir)).toBe(false);
  });
});
