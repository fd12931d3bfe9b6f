/**
 * Real discovery documents and key sets (test/fixtures/oidc: Google, Entra common and
 * organizations with the `{tenantid}` issuer, Okta, Auth0, Keycloak, OneLogin): each loads
 * through openid-client's discovery as Drawbridge runs it, and every signing key imports.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { remoteKeyResolver } from '../../src/oidc/jwks.ts';
import type { Transport } from '../../src/sso/outbound-fetch.ts';
import { createOrganisation } from '../support/actors.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

const PRODUCTS = [
  'google',
  'entra-common',
  'entra-organizations',
  'okta',
  'auth0',
  'keycloak',
  'onelogin',
] as const;
const read = (f: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/oidc/${f}`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;
const fixtures = Object.fromEntries(
  PRODUCTS.map((p) => [p, { discovery: read(`${p}-discovery.json`), jwks: read(`${p}-jwks.json`) }]),
);

/** Serves each fixture at the URLs it names, as the product's servers would. */
const transport: Transport = async (url) => {
  const u = new URL(url);
  for (const f of Object.values(fixtures)) {
    const issuerBase = String(f.discovery.issuer)
      .replace('{tenantid}', u.pathname.split('/')[1] ?? '')
      .replace(/\/$/, '');
    if (
      u.href === `${issuerBase}/.well-known/openid-configuration` &&
      !String(f.discovery.issuer).includes('{tenantid}')
    )
      return Response.json(f.discovery);
    if (u.href === f.discovery.jwks_uri) return Response.json(f.jwks);
  }
  for (const p of ['entra-common', 'entra-organizations'] as const) {
    const tenant = p === 'entra-common' ? 'common' : 'organizations';
    if (u.href === `https://login.microsoftonline.com/${tenant}/v2.0/.well-known/openid-configuration`)
      return Response.json(fixtures[p]!.discovery);
  }
  return new Response('not found', { status: 404 });
};

let t: TestApp;
let orgId: string;
beforeAll(async () => {
  t = await startTestApp(
    'sqlite',
    { DRAWBRIDGE_ALLOW_PRIVATE_IDP_URLS: 'true' },
    { idpTransport: transport },
  );
  orgId = (await createOrganisation(t, 'Fixtures')).id;
});
afterAll(() => t.close());

describe('real discovery documents', () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['google', { provider: 'google' }],
    ['entra-common', { provider: 'microsoft', tenant: 'common' }],
    ['entra-organizations', { provider: 'microsoft', tenant: 'organizations' }],
    ['okta', { provider: 'okta', issuer: String(fixtures.okta!.discovery.issuer) }],
    ['auth0', { provider: 'generic-oidc', issuer: String(fixtures.auth0!.discovery.issuer) }],
    ['keycloak', { provider: 'generic-oidc', issuer: String(fixtures.keycloak!.discovery.issuer) }],
    ['onelogin', { provider: 'generic-oidc', issuer: String(fixtures.onelogin!.discovery.issuer) }],
  ];
  it.each(cases)(
    '%s: discovery loads and a login starts at its authorization endpoint with PKCE S256',
    async (product, fields) => {
      const name = `fx-${product}`;
      const created = await t.app.inject({
        method: 'POST',
        url: `/api/v1/organisations/${orgId}/oidc-configurations`,
        headers: t.admin,
        payload: { name, clientId: 'client', clientSecret: 'secret', ...fields },
      });
      expect(created.statusCode, created.body).toBe(201);
      const res = await t.app.inject({
        method: 'GET',
        url: `/api/v1/auth/oidc/${name}/login/`,
        headers: { accept: 'application/json' },
      });
      expect(res.statusCode, res.body).toBe(302);
      const location = new URL(res.headers.location as string);
      expect(`${location.origin}${location.pathname}`).toBe(
        fixtures[product]!.discovery.authorization_endpoint,
      );
      expect(location.searchParams.get('code_challenge_method')).toBe('S256');
    },
  );
});

describe('real key sets', () => {
  it.each(PRODUCTS)('%s: every signing key imports and is selected by its kid', async (product) => {
    const { discovery, jwks } = fixtures[product]!;
    const resolve = remoteKeyResolver(String(discovery.jwks_uri), {
      cooldownSeconds: 30,
      maxAgeSeconds: 600,
      timeoutMs: 5000,
      fetch: ((url: string) => transport(url, {})) as never,
    });
    const keys = (jwks.keys as Array<{ kid: string; kty: string; use?: string; alg?: string }>).filter(
      (k) => k.use !== 'enc',
    );
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) {
      const alg = k.alg ?? (k.kty === 'EC' ? 'ES256' : 'RS256');
      const key = await resolve({ alg, kid: k.kid });
      expect(key.type).toBe('public');
    }
  });
});
