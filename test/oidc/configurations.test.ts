/** The OIDC / OAuth2 configurations API over HTTP, on both engines: shapes, rules, secrets, authz. */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createPerson, unique } from '../support/actors.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { ENGINES } from '../support/databases.ts';

describe.each(ENGINES)('OIDC configurations API (%s)', (engine) => {
  let t: TestApp;
  let org: { id: string };
  let base: string;
  beforeAll(async () => {
    t = await startTestApp(engine);
    org = await createOrganisation(t);
    base = `/api/v1/organisations/${org.id}/oidc-configurations`;
  });
  afterAll(() => t.close());

  const create = (payload: Record<string, unknown>, headers: Record<string, string> = t.admin) =>
    t.app.inject({ method: 'POST', url: base, headers, payload });
  const code = (res: { json(): unknown }) => (res.json() as { error: { code: string } }).error.code;

  it("creates a configuration with DESIGN.md's body and returns its redirect URI, never its secret", async () => {
    const name = unique('acme-oidc');
    const res = await create({
      name,
      provider: 'generic-oidc',
      issuer: 'https://idp.example.com',
      clientId: 'client-1',
      clientSecret: 'very-secret-value',
      scope: 'openid email profile',
      usePkce: true,
      claims: { role: 'role', groups: 'groups' },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      name,
      redirectUri: `http://drawbridge.test/api/v1/auth/oidc/${name}/callback/`,
      loginUrl: `http://drawbridge.test/api/v1/auth/oidc/${name}/login/`,
      clientAuth: 'client_secret_basic',
      hasClientSecret: true,
      usePkce: true,
      idTokenAlgorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
      defaultRole: 'member_viewer',
    });
    expect(res.body).not.toContain('very-secret-value');
    const stored = await t.store.oidcConfigurations.getByName(name);
    expect(stored?.clientSecretSealed).not.toContain('very-secret-value');
    expect(t.box.open(stored!.clientSecretSealed!)).toBe('very-secret-value');
  });

  it('refuses a second configuration with the same name, in any organisation (409)', async () => {
    const name = unique('dup');
    const body = { name, provider: 'google', clientId: 'c', clientSecret: 's' };
    expect((await create(body)).statusCode).toBe(201);
    const other = await createOrganisation(t, 'Other');
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/organisations/${other.id}/oidc-configurations`,
      headers: t.admin,
      payload: body,
    });
    expect(res.statusCode).toBe(409);
    expect(code(res)).toBe('oidc_configuration_name_taken');
  });

  it('refuses to rename (name_immutable) and changes other fields, audit-logged', async () => {
    const name = unique('imm');
    await create({
      name,
      provider: 'okta',
      issuer: 'https://acme.okta.example',
      clientId: 'c',
      clientSecret: 's',
    });
    const renamed = await t.app.inject({
      method: 'PATCH',
      url: `${base}/${name}`,
      headers: t.admin,
      payload: { name: 'other-name' },
    });
    expect(renamed.statusCode).toBe(400);
    expect(code(renamed)).toBe('name_immutable');
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `${base}/${name}`,
      headers: t.admin,
      payload: { defaultRole: 'internal_user', enabled: false },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ defaultRole: 'member', enabled: false });
  });

  it.each([
    [{ provider: 'generic-oidc', clientId: 'c', clientSecret: 's' }, 'oidc_issuer_required'],
    [{ provider: 'okta', clientId: 'c', clientSecret: 's' }, 'oidc_issuer_required'],
    [
      {
        provider: 'generic-oauth2',
        clientId: 'c',
        clientSecret: 's',
        authorizationEndpoint: 'https://a.example/auth',
      },
      'oidc_endpoints_required',
    ],
    [{ provider: 'google', clientId: 'c', clientAuth: 'client_secret_post' }, 'oidc_client_secret_required'],
    [{ provider: 'google', clientId: 'c', clientAuth: 'private_key_jwt' }, 'invalid_private_key'],
    [{ provider: 'google', clientId: 'c', privateKeyPem: 'not a key' }, 'invalid_private_key'],
    [
      { provider: 'generic-oidc', clientId: 'c', clientSecret: 's', issuer: 'http://idp.example.com' },
      'idp_url_not_allowed',
    ],
    [
      { provider: 'generic-oidc', clientId: 'c', clientSecret: 's', issuer: 'https://127.0.0.1:8443' },
      'idp_url_not_allowed',
    ],
    [{ provider: 'google', clientId: 'c', clientSecret: 's', defaultRole: 'emperor' }, 'invalid_role'],
    [
      { provider: 'google', clientId: 'c', clientSecret: 's', idTokenAlgorithms: ['HS256'] },
      'invalid_request',
    ],
    [{ provider: 'nope', clientId: 'c' }, 'invalid_request'],
  ])('refuses %j with %s and writes nothing', async (fields, expected) => {
    const name = unique('bad');
    const res = await create({ name, ...fields });
    expect(res.statusCode, res.body).toBe(400);
    expect(code(res)).toBe(expected);
    expect(await t.store.oidcConfigurations.getByName(name)).toBeUndefined();
  });

  it('accepts private_key_jwt with an RSA key and never returns the key', async () => {
    const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    }) as string;
    const res = await create({
      name: unique('pkjwt'),
      provider: 'google',
      clientId: 'c',
      privateKeyPem: pem,
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      clientAuth: 'private_key_jwt',
      hasPrivateKey: true,
      hasClientSecret: false,
    });
    expect(res.body).not.toContain('PRIVATE KEY');
  });

  it("hides another organisation's configuration (404) and lets viewers read but not write (403)", async () => {
    const name = unique('scoped');
    await create({ name, provider: 'google', clientId: 'c', clientSecret: 's' });
    const other = await createOrganisation(t, 'Elsewhere');
    const foreign = await t.app.inject({
      method: 'GET',
      url: `/api/v1/organisations/${other.id}/oidc-configurations/${name}`,
      headers: t.admin,
    });
    expect(foreign.statusCode).toBe(404);
    const viewer = await createPerson(t, org.id, 'admin_viewer');
    const read = await t.app.inject({ method: 'GET', url: `${base}/${name}`, headers: viewer.headers });
    expect(read.statusCode).toBe(200);
    const write = await t.app.inject({
      method: 'PATCH',
      url: `${base}/${name}`,
      headers: { ...viewer.headers, origin: 'http://drawbridge.test' },
      payload: { enabled: false },
    });
    expect(write.statusCode).toBe(403);
    const none = await t.app.inject({ method: 'GET', url: base });
    expect(none.statusCode).toBe(401);
  });

  it('deletes a configuration (204), then it is gone (404)', async () => {
    const name = unique('gone');
    await create({ name, provider: 'google', clientId: 'c', clientSecret: 's' });
    expect(
      (await t.app.inject({ method: 'DELETE', url: `${base}/${name}`, headers: t.admin })).statusCode,
    ).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: `${base}/${name}`, headers: t.admin })).statusCode).toBe(
      404,
    );
  });
});
