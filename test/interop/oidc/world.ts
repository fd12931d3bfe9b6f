/**
 * One OIDC test world: a real OpenID Provider (oidc-provider) on loopback, a Drawbridge app
 * over a real database, an organisation with an OIDC configuration pointing at the provider,
 * and a `login` that plays the browser through both.
 */
import { decodeJwt, decodeProtectedHeader, importJWK, type JWK, SignJWT } from 'jose';
import type { Transport } from '../../../src/sso/outbound-fetch.ts';
import { createOrganisation } from '../../support/actors.ts';
import { startTestApp, type TestApp } from '../../support/app.ts';
import type { EngineName } from '../../support/databases.ts';
import { CookieJar } from '../saml/browser.ts';
import { authorizeAtProvider } from './browser.ts';
import { makeSigningKey, type Person, type RunningOp, type SigningAlg, startOp } from './provider.ts';

export const CLIENT_ID = 'drawbridge-rp';
export const CLIENT_SECRET = 'drawbridge-rp-secret-0123456789abcdef0123';

export const PEOPLE: Record<string, Person> = {
  alice: {
    email: 'alice@acme.test',
    email_verified: true,
    given_name: 'Alice',
    family_name: 'Liddell',
    name: 'Alice Liddell',
    groups: ['engineering', 'sso-admins'],
    role: 'admin',
  },
  bob: {
    email: 'bob@acme.test',
    email_verified: false,
    given_name: 'Bob',
    family_name: 'Builder',
    name: 'Bob Builder',
    groups: ['sales'],
    role: 'proxy_admin_viewer',
  },
};

export interface WorldOptions {
  engine?: EngineName;
  /** Changes to the provider's registration of Drawbridge (e.g. private_key_jwt with a JWKS). */
  client?: Record<string, unknown>;
  algs?: SigningAlg[];
  people?: Record<string, Person>;
  /** Fields of the configuration besides name, provider, issuer and client. */
  configuration?: Record<string, unknown>;
  env?: Record<string, string>;
  /** Sits between Drawbridge and the provider: sees and may change every request and answer. */
  intercept?: (url: string, init: RequestInit, network: Transport) => Promise<Response>;
}

export interface LoginResult {
  status: number;
  location: string | undefined;
  sessionCookie: string | undefined;
  body: string;
  /** The code of a refusal (JSON). */
  code: string | undefined;
}

export interface World {
  t: TestApp;
  op: RunningOp;
  orgId: string;
  name: string;
  callbackPrefix: string;
  /** The provider's people; change a claim and the next login carries it. */
  people: Record<string, Person>;
  /** Restart the provider on the same port with other keys (a key rotation at the provider). */
  restartOp(keys: JWK[]): Promise<void>;
  login(
    person: string,
    options?: { next?: string; mutateCallback?: (url: URL) => void; binding?: 'own' | 'none' },
  ): Promise<LoginResult>;
  startLogin(next?: string): Promise<{ authorizationUrl: URL; bindingCookie: string }>;
  finishLogin(callbackUrl: string, bindingCookie: string | undefined): Promise<LoginResult>;
  me(cookie: string): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

let counter = 0;

export async function createWorld(options: WorldOptions = {}): Promise<World> {
  const algs = options.algs ?? ['RS256'];
  const keys = await Promise.all(algs.map((alg, i) => makeSigningKey(alg, `key-${alg.toLowerCase()}-${i}`)));
  const name = `op-${process.pid}-${++counter}`;
  const callbackPrefix = `http://drawbridge.test/api/v1/auth/oidc/${name}/callback/`;
  const people = structuredClone(options.people ?? PEOPLE);
  const client = {
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    redirect_uris: [callbackPrefix],
    id_token_signed_response_alg: algs[0]!,
    ...options.client,
  };
  let op = await startOp({ keys, clients: [client], people });
  const network: Transport = (url, init) => fetch(url, init);
  const intercept = options.intercept;
  const t = await startTestApp(
    options.engine ?? 'sqlite',
    {
      DRAWBRIDGE_ALLOW_PRIVATE_IDP_URLS: 'true',
      OIDC_JWKS_COOLDOWN_SECONDS: '0',
      // Every login of a world comes from one address (inject's); the limits have their own tests.
      SSO_LOGIN_START_RATE_LIMIT_PER_MINUTE: '1000000',
      OIDC_CALLBACK_RATE_LIMIT_PER_MINUTE: '1000000',
      ...options.env,
    },
    intercept ? { idpTransport: (url, init) => intercept(url, init, network) } : {},
  );
  const org = await createOrganisation(t, 'Acme');
  const created = await t.app.inject({
    method: 'POST',
    url: `/api/v1/organisations/${org.id}/oidc-configurations`,
    headers: t.admin,
    payload: {
      name,
      provider: 'generic-oidc',
      issuer: op.issuer,
      clientId: CLIENT_ID,
      ...(options.client?.token_endpoint_auth_method === 'private_key_jwt'
        ? {}
        : { clientSecret: CLIENT_SECRET }),
      scope: 'openid email profile groups',
      ...options.configuration,
    },
  });
  if (created.statusCode !== 201) throw new Error(`configuration not created: ${created.body}`);

  async function startLogin(next?: string) {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/auth/oidc/${name}/login/${next ? `?next=${encodeURIComponent(next)}` : ''}`,
    });
    if (res.statusCode !== 302) throw new Error(`login did not start: ${res.statusCode} ${res.body}`);
    const binding = res.cookies.find((c) => c.name.startsWith('drawbridge_oidc_'));
    return {
      authorizationUrl: new URL(res.headers.location as string),
      bindingCookie: `${binding!.name}=${binding!.value}`,
    };
  }

  async function finishLogin(callbackUrl: string, bindingCookie: string | undefined): Promise<LoginResult> {
    const u = new URL(callbackUrl);
    const res = await t.app.inject({
      method: 'GET',
      url: `${u.pathname}${u.search}`,
      headers: { accept: 'application/json', ...(bindingCookie ? { cookie: bindingCookie } : {}) },
    });
    const session = res.cookies.find((c) => c.name === t.config.SESSION_COOKIE_NAME && c.value !== '');
    let code: string | undefined;
    try {
      code = (JSON.parse(res.body) as { error?: { code?: string } }).error?.code;
    } catch {}
    return {
      status: res.statusCode,
      location: res.headers.location as string | undefined,
      sessionCookie: session ? `${session.name}=${session.value}` : undefined,
      body: res.body,
      code,
    };
  }

  return {
    t,
    get op() {
      return op;
    },
    orgId: org.id,
    name,
    people,
    callbackPrefix,
    async restartOp(newKeys) {
      const port = op.port;
      await op.close();
      op = await startOp({
        keys: newKeys,
        clients: [{ ...client, id_token_signed_response_alg: newKeys[0]!.alg as string }],
        people,
        port,
      });
    },
    startLogin,
    finishLogin,
    async login(person, opts = {}) {
      const { authorizationUrl, bindingCookie } = await startLogin(opts.next);
      const back = new URL(
        await authorizeAtProvider(authorizationUrl.href, person, callbackPrefix, new CookieJar()),
      );
      opts.mutateCallback?.(back);
      return finishLogin(back.href, opts.binding === 'none' ? undefined : bindingCookie);
    },
    async me(cookie) {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } });
      return JSON.parse(res.body) as Record<string, unknown>;
    },
    async close() {
      await t.close();
      await op.close();
    },
  };
}

/**
 * An interceptor that lets the provider answer the token request, then rewrites its ID token:
 * `mutate` changes header and claims, and the token is signed again with the provider's own key
 * (so only the changed rule can refuse it), left unsigned (`alg: none`), or given a broken signature.
 */
export function tamperIdToken(
  keys: () => JWK[],
  mutate: (
    header: Record<string, unknown>,
    claims: Record<string, unknown>,
  ) => { sign?: 'again' | 'none' | 'broken' | JWK } | undefined,
) {
  return async (url: string, init: RequestInit, network: Transport): Promise<Response> => {
    const res = await network(url, init);
    if (!url.endsWith('/token')) return res;
    const body = (await res.json()) as Record<string, unknown>;
    if (typeof body.id_token !== 'string') return Response.json(body, { status: res.status });
    const header = decodeProtectedHeader(body.id_token) as Record<string, unknown>;
    const claims = decodeJwt(body.id_token) as Record<string, unknown>;
    const how = mutate(header, claims)?.sign ?? 'again';
    const key = typeof how === 'object' ? how : (keys().find((k) => k.kid === header.kid) ?? keys()[0]!);
    if (how === 'none') {
      const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
      body.id_token = `${enc({ ...header, alg: 'none' })}.${enc(claims)}.`;
    } else {
      const signed = await new SignJWT(claims)
        .setProtectedHeader(header as never)
        .sign(await importJWK(key, (header.alg as string) ?? (key.alg as string)));
      if (how === 'broken') {
        const [h, p, s] = signed.split('.') as [string, string, string];
        const sig = Buffer.from(s, 'base64url');
        sig[0] = (sig[0] ?? 0) ^ 1;
        body.id_token = `${h}.${p}.${sig.toString('base64url')}`;
      } else {
        body.id_token = signed;
      }
    }
    return Response.json(body, { status: res.status });
  };
}
