/**
 * Drawbridge's side of the OIDC benchmark: an organisation with SSO groups and an OIDC
 * configuration pointing at the stub provider (created through the admin API of a running
 * server), logins started through `GET …/login/` (state, nonce, PKCE challenge and the
 * browser-binding cookie read from the answer), and a closed-loop driver that sends each
 * prepared callback exactly once.
 */
import { type Agent, type IncomingHttpHeaders, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { adminPost, benchOrganisation } from '../lib/admin-api.ts';

export const CONFIGURATION_NAME = 'acme-oidc';
export const CLIENT_ID = 'drawbridge-bench';
export const CLIENT_SECRET = 'drawbridge-bench-secret-0123456789abcdef';
/** The `next` every login asks for; the callback must redirect there. */
export const NEXT_PATH = '/app/';
const SESSION_COOKIE = 'drawbridge_session=';

export interface OidcSetup {
  orgId: string;
  loginPath: string;
  callbackPath: string;
  redirectUri: string;
}

/** Org, the groups the provider's `groups` claim maps to, and the OIDC configuration (defaults otherwise). */
export async function setUpOidc(
  baseUrl: string,
  issuer: string,
  mappedGroups: readonly string[],
): Promise<OidcSetup> {
  const orgId = await benchOrganisation(baseUrl, mappedGroups);
  const c = (await adminPost(baseUrl, `/api/v1/organisations/${orgId}/oidc-configurations`, {
    name: CONFIGURATION_NAME,
    provider: 'generic-oidc',
    issuer,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    scope: 'openid email profile groups',
  })) as { redirectUri: string; loginUrl: string };
  return {
    orgId,
    loginPath: new URL(c.loginUrl, baseUrl).pathname,
    callbackPath: new URL(c.redirectUri).pathname,
    redirectUri: c.redirectUri,
  };
}

export interface StartedLogin {
  state: string;
  nonce: string;
  codeChallenge: string;
  redirectUri: string;
  /** `name=value` of the browser-binding cookie. */
  cookie: string;
}

function get(
  agent: Agent,
  baseUrl: URL,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, host: baseUrl.hostname, port: baseUrl.port, path, method: 'GET', headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** `count` logins started through GET …/login/, `concurrency` at a time (untimed preparation). */
export async function startLogins(
  baseUrl: string,
  setup: OidcSetup,
  count: number,
  concurrency: number,
  agent: Agent,
): Promise<StartedLogin[]> {
  const base = new URL(baseUrl);
  const path = `${setup.loginPath}?next=${encodeURIComponent(NEXT_PATH)}`;
  const out: StartedLogin[] = [];
  const one = async () => {
    const r = await get(agent, base, path, {});
    const location = typeof r.headers.location === 'string' ? r.headers.location : '';
    const binding = (r.headers['set-cookie'] ?? []).find((c) => c.startsWith('drawbridge_oidc_'));
    if (r.status !== 302 || !location || !binding)
      throw new Error(`login did not start: ${r.status} ${location} ${r.body.slice(0, 300)}`);
    const q = new URL(location).searchParams;
    const [state, nonce, codeChallenge, redirectUri] = [
      'state',
      'nonce',
      'code_challenge',
      'redirect_uri',
    ].map((k) => q.get(k) ?? '') as [string, string, string, string];
    if (!state || !nonce || !codeChallenge || q.get('code_challenge_method') !== 'S256')
      throw new Error(`authorization URL without state, nonce or S256 PKCE: ${location}`);
    out.push({ state, nonce, codeChallenge, redirectUri, cookie: binding.split(';', 1)[0]! });
  };
  let left = count;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left > 0) {
        left--;
        await one();
      }
    }),
  );
  return out;
}

export interface Callback {
  /** Path and query: `…/callback/?code=…&state=…`. */
  path: string;
  cookie: string;
  code: string;
}

export interface CallbackRun {
  requests: number;
  seconds: number;
  /** Anything but a 303 to the `next` URL that sets a session cookie. */
  failures: number;
  statusCodes: Record<string, number>;
  firstFailure?: string;
  /** Response time of each callback, ms, in the order sent. */
  latenciesMs: number[];
  /** The code of each callback, in the same order. */
  codes: string[];
  next: number;
}

/**
 * Sends `callbacks[from..to)` `concurrency` at a time over keep-alive connections, each once,
 * until `maxSeconds` have passed or they run out.
 */
export async function sendCallbacks(
  baseUrl: string,
  callbacks: Callback[],
  range: { from: number; to: number },
  maxSeconds: number,
  concurrency: number,
  agent: Agent,
  expectLocation: string,
): Promise<CallbackRun> {
  const base = new URL(baseUrl);
  const to = Math.min(range.to, callbacks.length);
  let next = range.from;
  let failures = 0;
  let firstFailure: string | undefined;
  const statusCodes: Record<string, number> = {};
  const latenciesMs: number[] = [];
  const codes: string[] = [];
  const t0 = performance.now();
  const deadline = t0 + maxSeconds * 1000;
  const loop = async () => {
    while (next < to && performance.now() < deadline) {
      const cb = callbacks[next++]!;
      const sent = performance.now();
      const r = await get(agent, base, cb.path, { cookie: cb.cookie, accept: 'text/html' });
      latenciesMs.push(performance.now() - sent);
      codes.push(cb.code);
      const status = String(r.status);
      statusCodes[status] = (statusCodes[status] ?? 0) + 1;
      const session = (r.headers['set-cookie'] ?? []).some((c) => c.startsWith(SESSION_COOKIE));
      if (r.status !== 303 || r.headers.location !== expectLocation || !session) {
        failures++;
        firstFailure ??= `${status} (location ${String(r.headers.location)}, session cookie ${session ? 'set' : 'missing'}): ${r.body.slice(0, 500)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return {
    requests: next - range.from,
    seconds: (performance.now() - t0) / 1000,
    failures,
    statusCodes,
    ...(firstFailure ? { firstFailure } : {}),
    latenciesMs,
    codes,
    next,
  };
}
