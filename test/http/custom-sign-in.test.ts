/**
 * A CustomSignInHandler module loaded from CUSTOM_SIGN_IN_HANDLER (issue #4, "Custom sign-in
 * handlers" (2)): the example in examples/ signs a person in from an HMAC-signed gateway
 * header; a handler that declines, rejects, throws or returns nonsense gets a code, never a 500.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signGatewayIdentity } from '../../examples/custom-sign-in-handler.ts';
import { bootstrapFromEnvironment } from '../../src/sso/oidc-bootstrap.ts';
import { unique } from '../support/actors.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { ENGINES } from '../support/databases.ts';

const LOGIN = '/api/v1/auth/custom/login/';
const SECRET = 'gateway-secret-gateway-secret-0123456789';
const json = { accept: 'application/json' };

async function startWithHandler(
  engine: 'sqlite' | 'postgres',
  handlerPath: string,
  env: Record<string, string> = {},
) {
  const slug = unique('gateway-org');
  const t = await startTestApp(engine, {
    CUSTOM_SIGN_IN_HANDLER: handlerPath,
    CUSTOM_SIGN_IN_ORGANISATION: slug,
    ...env,
  });
  await bootstrapFromEnvironment({
    config: t.config,
    store: t.store,
    box: t.box,
    log: pino({ level: 'silent' }),
  });
  return { t, orgId: (await t.store.organisations.getBySlug(slug))!.id };
}

function signed(overrides: Record<string, unknown> = {}) {
  return signGatewayIdentity(
    {
      sub: unique('emp'),
      email: `${unique('emp')}@corp.test`,
      name: 'Katherine Johnson',
      groups: ['analysts'],
      exp: Math.floor(Date.now() / 1000) + 60,
      ...overrides,
    } as never,
    SECRET,
  );
}

describe.each(ENGINES)('custom sign-in handler from examples/ (%s)', (engine) => {
  let t: TestApp;
  let orgId: string;
  beforeAll(async () => {
    process.env.GATEWAY_HMAC_SECRET = SECRET;
    ({ t, orgId } = await startWithHandler(engine, 'examples/custom-sign-in-handler.ts', {
      SSO_USER_DEFAULT_ATTRIBUTES: '{"max_budget":10}',
    }));
  });
  afterAll(() => t.close());

  const login = (headers: Record<string, string>, next = '/welcome') =>
    t.app.inject({ method: 'GET', url: `${LOGIN}?next=${encodeURIComponent(next)}`, headers });
  const lastTrace = async () => (await t.store.loginTraces.list(orgId, { limit: 1 })).items[0]!;

  it('signs in the person of a correctly signed gateway header, in the configured organisation', async () => {
    const email = `${unique('kj')}@corp.test`;
    const res = await login({ 'x-gateway-identity': signed({ email }) });
    expect(res.statusCode, res.body).toBe(303);
    expect(res.headers.location).toBe('http://drawbridge.test/welcome');
    const cookie = res.cookies.find((c) => c.name === t.config.SESSION_COOKIE_NAME)!;
    const me = await t.app.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: { cookie: `${cookie.name}=${cookie.value}` },
    });
    expect(me.json()).toMatchObject({
      email,
      firstName: 'Katherine',
      lastName: 'Johnson',
      organisation: { id: orgId },
      role: 'member_viewer',
      attributes: { max_budget: 10 },
    });
    expect(await lastTrace()).toMatchObject({
      outcome: 'success',
      protocol: 'custom',
      configuration: 'custom-handler',
      email,
    });
  });

  it('answers 401 custom_sign_in_declined when the handler returns null (no gateway header)', async () => {
    const res = await login(json);
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('custom_sign_in_declined');
    expect((await lastTrace()).code).toBe('custom_sign_in_declined');
  });

  it('answers 400 custom_sign_in_rejected for a forged signature, the reason kept in the trace only', async () => {
    const [payload] = signed().split('.');
    const res = await login({
      'x-gateway-identity': `${payload}.${Buffer.alloc(32).toString('base64url')}`,
      ...json,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'custom_sign_in_rejected',
      message: 'The sign-in request was refused',
    });
    expect((await lastTrace()).detail).toMatchObject({ reason: 'x-gateway-identity has a bad signature' });
  });

  it('answers 400 custom_sign_in_rejected for an expired identity', async () => {
    const res = await login({
      'x-gateway-identity': signed({ exp: Math.floor(Date.now() / 1000) - 1 }),
      ...json,
    });
    expect(res.json().error.code).toBe('custom_sign_in_rejected');
  });

  it('answers 502 custom_sign_in_handler_failed when the handler throws (its secret is missing), never a 500', async () => {
    delete process.env.GATEWAY_HMAC_SECRET;
    try {
      const res = await login({ 'x-gateway-identity': signed(), ...json });
      expect(res.statusCode).toBe(502);
      expect(res.json().error.code).toBe('custom_sign_in_handler_failed');
      expect((await lastTrace()).detail).toMatchObject({
        reason: expect.stringContaining('GATEWAY_HMAC_SECRET'),
      });
    } finally {
      process.env.GATEWAY_HMAC_SECRET = SECRET;
    }
  });
});

describe('custom sign-in handlers that misbehave (sqlite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drawbridge-handlers-'));
  const module = (name: string, source: string) => {
    const path = join(dir, name);
    writeFileSync(path, source);
    return path;
  };
  const apps: TestApp[] = [];
  afterAll(async () => {
    for (const t of apps) await t.close();
    rmSync(dir, { recursive: true, force: true });
  });
  async function answer(path: string) {
    const { t } = await startWithHandler('sqlite', path);
    apps.push(t);
    return t.app.inject({ method: 'GET', url: `${LOGIN}?who=x`, headers: json });
  }

  it('answers 502 custom_sign_in_invalid_identity for a result that is not an identity', async () => {
    const res = await answer(
      module('junk.mjs', 'export default () => ({ subject: 42, email: "not an email" });\n'),
    );
    expect(res.statusCode).toBe(502);
    expect(res.json().error.code).toBe('custom_sign_in_invalid_identity');
  });

  it('answers 502 custom_sign_in_invalid_identity for a lone surrogate in the subject (storage would refuse it: 500)', async () => {
    const res = await answer(
      module('surrogate.mjs', 'export default () => ({ subject: "\\ud800", email: "s@corp.test" });\n'),
    );
    expect(res.statusCode).toBe(502);
    expect(res.json().error.code).toBe('custom_sign_in_invalid_identity');
  });

  it('accepts a named signIn export, async, and hands it the query', async () => {
    const res = await answer(
      module(
        'named.mjs',
        'export async function signIn(r) { return { subject: "q-" + r.query.who, email: "q-" + r.query.who + "-" + Date.now() + "@corp.test" }; }\n',
      ),
    );
    expect(res.statusCode, res.body).toBe(303);
  });

  it('answers 503 custom_sign_in_handler_unavailable for a module that exports no function', async () => {
    const res = await answer(module('empty.mjs', 'export const nothing = 1;\n'));
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('custom_sign_in_handler_unavailable');
  });

  it('answers 503 custom_sign_in_handler_unavailable for a module that fails to load', async () => {
    const res = await answer(module('broken.mjs', 'throw new Error("boom at import");\n'));
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('custom_sign_in_handler_unavailable');
  });

  it('answers 502 for a handler that throws something that is not an Error', async () => {
    const res = await answer(module('throws.mjs', 'export default () => { throw "a string"; };\n'));
    expect(res.statusCode).toBe(502);
    expect(res.json().error.code).toBe('custom_sign_in_handler_failed');
  });

  it('answers 404 custom_sign_in_not_configured when CUSTOM_SIGN_IN_HANDLER is unset', async () => {
    const t = await startTestApp('sqlite');
    apps.push(t);
    const res = await t.app.inject({ method: 'GET', url: LOGIN, headers: json });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('custom_sign_in_not_configured');
  });
});
