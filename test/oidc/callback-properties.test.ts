/**
 * fast-check at the OIDC callback: random query strings — with a real pending login's state and
 * binding cookie, or without — never produce a 500 and never a session.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '../interop/oidc/world.ts';

let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(() => world.close());

function noSession(res: {
  status: number;
  sessionCookie: string | undefined;
  code: string | undefined;
  body: string;
}) {
  expect(res.status, res.body).toBeLessThan(500);
  expect(res.status === 502 || (res.status >= 400 && res.status < 500), res.body).toBe(true);
  expect(res.sessionCookie).toBeUndefined();
  expect(res.code).toMatch(/^[a-z][a-z0-9_]*$/);
}

const param = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.webUrl(),
  fc.constantFrom('', '%', '%zz', '\u0000', 'a'.repeat(3000)),
);
const query = fc.dictionary(
  fc.constantFrom('code', 'state', 'iss', 'error', 'error_description', 'id_token', 'session_state', 'x'),
  param,
  { maxKeys: 6 },
);

describe('OIDC callback under random input', () => {
  it('answers random query strings without a pending login with a 4xx code and no session', async () => {
    await fc.assert(
      fc.asyncProperty(query, async (q) => {
        noSession(await world.finishLogin(`${world.callbackPrefix}?${new URLSearchParams(q)}`, undefined));
      }),
      { numRuns: 60 },
    );
  });

  it('answers random codes and parameters on a real pending login (its state and browser) with a code and no session', async () => {
    await fc.assert(
      fc.asyncProperty(query, async (q) => {
        const { authorizationUrl, bindingCookie } = await world.startLogin();
        const params = new URLSearchParams(q);
        params.set('state', authorizationUrl.searchParams.get('state')!);
        noSession(await world.finishLogin(`${world.callbackPrefix}?${params}`, bindingCookie));
      }),
      { numRuns: 40 },
    );
  });

  it('answers raw, badly encoded query strings with a code and no session', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), async (raw) => {
        const res = await world.t.app.inject({
          method: 'GET',
          url: `/api/v1/auth/oidc/${world.name}/callback/?${raw.replace(/[#\s]/g, '')}`,
          headers: { accept: 'application/json' },
        });
        expect(res.statusCode, res.body).toBeLessThan(500);
        expect(
          res.cookies.find((c) => c.name === world.t.config.SESSION_COOKIE_NAME && c.value !== ''),
        ).toBeUndefined();
      }),
      { numRuns: 60 },
    );
  });
});
