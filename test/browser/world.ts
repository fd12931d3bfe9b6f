/**
 * What the browser tests share: a real listening Drawbridge on localhost and a real OpenID
 * Provider on 127.0.0.1 (two sites, as in real life), Debian's Chromium, and two organisations:
 * Acme (verified domain acme.test, SSO enforced, OIDC configuration `acme-oidc`, alice) and
 * Globex (carol, with a password).
 */
import { createServer } from 'node:net';
import pino from 'pino';
import { type Browser, chromium } from 'playwright-core';
import { expect } from 'vitest';
import { buildApp } from '../../src/http/app.ts';
import type { App } from '../../src/http/context.ts';
import { ping } from '../../src/store/connect.ts';
import { createStore } from '../../src/store/store.ts';
import { makeSigningKey, startOp } from '../interop/oidc/provider.ts';
import { CLIENT_ID, CLIENT_SECRET } from '../interop/oidc/world.ts';
import { testBox, testConfig } from '../support/app.ts';
import { openTestDatabase } from '../support/databases.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const PASSWORD = 'correct horse battery staple';

export interface BrowserWorld {
  app: App;
  browser: Browser;
  /** Drawbridge's origin, e.g. http://localhost:41234. */
  base: string;
  adminHeaders: Record<string, string>;
  close(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export async function startBrowserWorld(): Promise<BrowserWorld> {
  const port = await freePort();
  const base = `http://localhost:${port}`;
  const op = await startOp({
    keys: [await makeSigningKey('RS256', 'browser-key')],
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [`${base}/api/v1/auth/oidc/acme-oidc/callback/`],
      },
    ],
    people: {
      'alice@acme.test': {
        email: 'alice@acme.test',
        email_verified: true,
        given_name: 'Alice',
        family_name: 'Liddell',
        name: 'Alice Liddell',
      },
    },
  });
  const db = await openTestDatabase('sqlite');
  const config = testConfig({
    BASE_URL: base,
    PORT: String(port),
    DRAWBRIDGE_ALLOW_PRIVATE_IDP_URLS: 'true',
  });
  const app = await buildApp({
    config,
    store: createStore(db.handle),
    box: testBox(),
    logger: pino({ level: 'silent' }),
    ping: () => ping(db.handle),
  });
  await app.listen({ port, host: 'localhost' });
  const adminHeaders = { authorization: `Api-Key ${config.DRAWBRIDGE_ADMIN_KEY}` };
  const call = async (method: 'POST' | 'PATCH', url: string, payload: Record<string, unknown>) => {
    const res = await app.inject({ method, url, headers: adminHeaders, payload });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json() as { id: string };
  };
  const acme = await call('POST', '/api/v1/organisations', { name: 'Acme', slug: 'acme' });
  await call('POST', `/api/v1/organisations/${acme.id}/domains`, {
    domain: 'acme.test',
    verified: true,
    enforceSso: true,
  });
  await call('POST', `/api/v1/organisations/${acme.id}/users`, {
    email: 'alice@acme.test',
    firstName: 'Alice',
    role: 'member',
    password: PASSWORD,
  });
  await call('POST', `/api/v1/organisations/${acme.id}/oidc-configurations`, {
    name: 'acme-oidc',
    provider: 'generic-oidc',
    issuer: op.issuer,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
  });
  const other = await call('POST', '/api/v1/organisations', { name: 'Globex', slug: 'globex' });
  await call('POST', `/api/v1/organisations/${other.id}/users`, {
    email: 'carol@globex.test',
    firstName: 'Carol',
    role: 'member',
    password: PASSWORD,
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  return {
    app,
    browser,
    base,
    adminHeaders,
    async close() {
      await browser.close();
      await app.close();
      await db.close();
      await op.close();
    },
  };
}
