/**
 * `npm run demo`: Drawbridge on a fresh embedded database with a seeded organisation, a real
 * local OpenID Provider (oidc-provider, a dev dependency) and — when SimpleSAMLphp is installed
 * — a real local SAML IdP. Open the printed URL, type alice@demo.test, and come back signed in.
 * Stop with Ctrl-C; everything lives in a temporary directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load.ts';
import { startServer } from '../src/server.ts';
import { makeSigningKey, startOp } from '../test/interop/oidc/provider.ts';

const PORT = Number(process.env.DEMO_PORT ?? 8080);
const OP_PORT = Number(process.env.DEMO_OP_PORT ?? 8081);
const BASE = `http://localhost:${PORT}`;
const CLIENT = { id: 'drawbridge-demo', secret: 'drawbridge-demo-secret-not-for-production' };

const dir = mkdtempSync(join(tmpdir(), 'drawbridge-demo-'));
const op = await startOp({
  port: OP_PORT,
  keys: [await makeSigningKey('ES256', 'demo-key')],
  clients: [
    {
      client_id: CLIENT.id,
      client_secret: CLIENT.secret,
      redirect_uris: [`${BASE}/api/v1/auth/oidc/demo-oidc/callback/`],
      id_token_signed_response_alg: 'ES256',
    },
  ],
  // The provider's login form takes the account id: people type their email there.
  people: {
    'alice@demo.test': {
      email: 'alice@demo.test',
      email_verified: true,
      given_name: 'Alice',
      family_name: 'Demo',
      name: 'Alice Demo',
      groups: ['demo-admins'],
    },
    'bob@demo.test': {
      email: 'bob@demo.test',
      email_verified: true,
      given_name: 'Bob',
      family_name: 'Demo',
      name: 'Bob Demo',
      groups: [],
    },
  },
});

const config = loadConfig({
  ...process.env,
  PORT: String(PORT),
  BASE_URL: BASE,
  DATA_DIR: dir,
  DATABASE_URL: '',
  DRAWBRIDGE_ALLOW_PRIVATE_IDP_URLS: 'true',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  LOGIN_PAGE_TITLE: 'Sign in to the Drawbridge demo',
});
let adminKey: string | undefined;
const server = await startServer(config, (line) => {
  const key = line.trim().match(/^dbk_\S+$/);
  if (key) adminKey = key[0];
});
if (!adminKey) throw new Error('the demo needs a fresh data directory (no first-start key was issued)');
const headers = { authorization: `Api-Key ${adminKey}` };

async function call(method: 'POST' | 'PATCH' | 'PUT', url: string, payload: Record<string, unknown>) {
  const res = await server.app.inject({ method, url, headers, payload });
  if (res.statusCode >= 300) throw new Error(`demo seed ${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json() as Record<string, unknown>;
}

const org = await call('POST', '/api/v1/organisations', { name: 'Demo Inc', slug: 'demo' });
const o = `/api/v1/organisations/${org.id as string}`;
await call('POST', `${o}/domains`, { domain: 'demo.test', verified: true, enforceSso: true });
await call('POST', `${o}/groups`, { name: 'Demo admins', externalId: 'demo-admins', role: 'admin' });
await call('POST', `${o}/oidc-configurations`, {
  name: 'demo-oidc',
  provider: 'generic-oidc',
  issuer: op.issuer,
  clientId: CLIENT.id,
  clientSecret: CLIENT.secret,
  scope: 'openid email profile groups',
  defaultRole: 'member',
});
await call('PATCH', `${o}/login-policy`, { defaultSso: { protocol: 'oidc', name: 'demo-oidc' } });
const password = 'demo password 1234';
await call('POST', `${o}/users`, {
  email: 'carol@example.test',
  firstName: 'Carol',
  role: 'member',
  password,
});

let samlNote = '';
let stopSaml: (() => Promise<void>) | undefined;
try {
  const { startSimpleSamlPhp } = await import('../test/interop/saml/simplesamlphp.ts');
  const saml = await call('POST', `${o}/saml-configurations`, { name: 'demo-saml' });
  const metadata = await server.app.inject({ method: 'GET', url: '/api/v1/auth/saml/demo-saml/metadata/' });
  const idp = await startSimpleSamlPhp({
    sp: { entityId: saml.entityId as string, acsUrl: saml.acsUrl as string, metadataXml: metadata.body },
    users: {
      dana: {
        password: 'danapass',
        attributes: {
          uid: ['dana'],
          email: ['dana@saml.demo.test'],
          givenName: ['Dana'],
          sn: ['Demo'],
          groups: ['demo-admins'],
        },
      },
    },
  });
  stopSaml = () => idp.stop();
  await call('PATCH', `${o}/saml-configurations/demo-saml`, { idpMetadataXml: idp.metadataXml });
  samlNote =
    '\n  SAML: choose "Single Sign-On", type demo-saml, and sign in at SimpleSAMLphp as dana / danapass.';
} catch {
  samlNote = '\n  (No SAML IdP: install simplesamlphp, php-cli, php-xml and php-mbstring to add one.)';
}

console.log(`
Drawbridge demo is running.

  Open ${BASE}/login
  Type alice@demo.test: demo.test is verified by "Demo Inc", so you go straight to its OpenID
  Provider; type alice@demo.test there too (any password), accept, and you are back, signed in.
  Password sign-in: carol@example.test / ${password}${samlNote}

  Admin API key (this run only): ${adminKey}
  Data: ${dir} (deleted on exit). Ctrl-C to stop.
`);

async function stop() {
  await stopSaml?.();
  await server.stop();
  await op.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
