/**
 * The people at the stub provider and the callbacks prepared for them before anything is timed:
 * real logins started on the server, and for each a code the stub redeems with a signed ID token.
 */
import { randomBytes } from 'node:crypto';
import type { Agent } from 'node:http';
import type { ServerProcess } from '../lib/server-process.ts';
import { type Callback, CLIENT_ID, type OidcSetup, startLogins } from './drawbridge.ts';
import { idTokenClaims, type makeKey, type Person, signJwt } from './jwt.ts';
import { LOGIN_START_CONCURRENCY, MAPPED_GROUPS, UNMAPPED_GROUPS, USERS } from './plan.ts';
import type { StubOp } from './stub-op.ts';

export function person(i: number): Person {
  const u = i % USERS;
  // A person's successive logins leave out a different mapped group: every returning login
  // adds one SSO group membership and removes another, as in bench:saml.
  const leaveOut = Math.floor(i / USERS) % MAPPED_GROUPS.length;
  return {
    sub: `00u${String(u).padStart(6, '0')}bench`,
    email: `user${u}@acme-bench.test`,
    given_name: `Bench${u}`,
    family_name: 'User',
    name: `Bench${u} User`,
    groups: [...MAPPED_GROUPS.filter((_, g) => g !== leaveOut), ...UNMAPPED_GROUPS],
  };
}

/**
 * `count` logins started on the server through GET …/login/, and for each a code the stub will
 * redeem with an ID token carrying that login's nonce, signed now (untimed).
 */
export async function prepareCallbacks(
  server: ServerProcess,
  setup: OidcSetup,
  op: StubOp,
  key: ReturnType<typeof makeKey>,
  count: number,
  firstPerson: number,
  agent: Agent,
): Promise<Callback[]> {
  const logins = await startLogins(server.url, setup, count, LOGIN_START_CONCURRENCY, agent);
  const now = Math.floor(Date.now() / 1000);
  return logins.map((login, i) => {
    const code = randomBytes(24).toString('base64url');
    const idToken = signJwt(
      key,
      idTokenClaims(op.issuer, CLIENT_ID, login.nonce, person(firstPerson + i), now),
    );
    const answer = {
      access_token: randomBytes(32).toString('base64url'),
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'openid email profile groups',
      id_token: idToken,
    };
    op.codes.set(code, {
      answer: Buffer.from(JSON.stringify(answer)),
      codeChallenge: login.codeChallenge,
      redirectUri: login.redirectUri,
    });
    return { path: `${setup.callbackPath}?code=${code}&state=${login.state}`, cookie: login.cookie, code };
  });
}
