/**
 * Local stand-ins for remote SaaS that cannot run here — Microsoft Entra ID with Microsoft
 * Graph, and GitHub — answering with the shapes their public documentation gives (Entra's
 * discovery document is the real one from test/fixtures/oidc). Drawbridge reaches them through
 * its IdP transport, which maps the real hosts to this loopback server; nothing else changes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import type { Transport } from '../../../src/sso/outbound-fetch.ts';

const ENTRA = 'https://login.microsoftonline.com';
const GRAPH = 'https://graph.microsoft.com';
const GITHUB = 'https://github.com';
const GITHUB_API = 'https://api.github.com';
const HOSTS = [ENTRA, GRAPH, GITHUB, GITHUB_API];

export interface EntraPerson {
  tid: string;
  oid: string;
  email: string;
  name: string;
  /** Object ids of the person's groups, returned by Graph /me/memberOf. */
  groups: string[];
  /** Put the overage marker in the ID token instead of the groups. */
  overage: boolean;
  /** Overrides of ID token claims (e.g. a wrong iss). */
  claims?: Record<string, unknown>;
}

export interface GithubPerson {
  id: number;
  login: string;
  name: string;
  emails: Array<{ email: string; primary: boolean; verified: boolean }>;
}

interface Grant {
  nonce: string | null;
  challenge: string | null;
  person: string;
}

export interface SaasFakes {
  /** Give to startTestApp as idpTransport: real hosts → this server. */
  transport: Transport;
  /** The URL a browser would open for `url` on one of the real hosts. */
  local(url: string): string;
  entraPeople: Record<string, EntraPerson>;
  githubPeople: Record<string, GithubPerson>;
  /** Who logs in at the next authorize request. */
  nextPerson: string;
  /** Graph answers page 2 with a nextLink to another host when set. */
  graphNextLinkElsewhere: boolean;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function json(res: ServerResponse, status: number, value: unknown) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
  res.end(JSON.stringify(value));
}

export async function startSaasFakes(clientId: string): Promise<SaasFakes> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid: 'entra-test-key', use: 'sig' };
  const discovery = JSON.parse(
    readFileSync(new URL('../../fixtures/oidc/entra-organizations-discovery.json', import.meta.url), 'utf8'),
  ) as Record<string, unknown>;
  const grants = new Map<string, Grant>();
  const tokens = new Map<string, string>();
  let port = 0;
  const fakes: SaasFakes = {
    transport: async (url, init) => fetch(fakes.local(url), init),
    local(url) {
      const u = new URL(url);
      const host = HOSTS.find((h) => h === u.origin);
      if (!host) return url;
      return `http://127.0.0.1:${port}/${encodeURIComponent(host)}${u.pathname}${u.search}`;
    },
    entraPeople: {},
    githubPeople: {},
    nextPerson: '',
    graphNextLinkElsewhere: false,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };

  function authorize(res: ServerResponse, u: URL) {
    const code = randomBytes(16).toString('hex');
    grants.set(code, {
      nonce: u.searchParams.get('nonce'),
      challenge: u.searchParams.get('code_challenge'),
      person: fakes.nextPerson,
    });
    const back = new URL(u.searchParams.get('redirect_uri')!);
    back.searchParams.set('code', code);
    back.searchParams.set('state', u.searchParams.get('state') ?? '');
    res.writeHead(302, { location: back.href, connection: 'close' });
    res.end();
  }

  async function redeem(req: IncomingMessage, res: ServerResponse): Promise<Grant | undefined> {
    const form = await body(req);
    const grant = grants.get(form.get('code') ?? '');
    grants.delete(form.get('code') ?? '');
    const verifier = form.get('code_verifier') ?? '';
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    if (!grant || (grant.challenge && grant.challenge !== challenge)) {
      json(res, 400, { error: 'invalid_grant' });
      return undefined;
    }
    return grant;
  }

  async function entra(req: IncomingMessage, res: ServerResponse, path: string, u: URL) {
    if (path === '/organizations/v2.0/.well-known/openid-configuration') return json(res, 200, discovery);
    if (path === '/organizations/discovery/v2.0/keys') return json(res, 200, { keys: [publicJwk] });
    if (path === '/organizations/oauth2/v2.0/authorize') return authorize(res, u);
    if (path === '/organizations/oauth2/v2.0/token' && req.method === 'POST') {
      const grant = await redeem(req, res);
      if (!grant) return;
      const p = fakes.entraPeople[grant.person]!;
      const now = Math.floor(Date.now() / 1000);
      const accessToken = `graph-${randomBytes(8).toString('hex')}`;
      tokens.set(accessToken, grant.person);
      const idToken = await new SignJWT({
        iss: `${ENTRA}/${p.tid}/v2.0`,
        aud: clientId,
        sub: `pairwise-${p.oid}`,
        oid: p.oid,
        tid: p.tid,
        email: p.email,
        name: p.name,
        nonce: grant.nonce,
        iat: now,
        nbf: now,
        exp: now + 3600,
        ...(p.overage
          ? {
              _claim_names: { groups: 'src1' },
              _claim_sources: {
                src1: { endpoint: `https://graph.windows.net/${p.tid}/users/${p.oid}/getMemberObjects` },
              },
            }
          : { groups: p.groups }),
        ...p.claims,
      })
        .setProtectedHeader({ alg: 'RS256', kid: 'entra-test-key', typ: 'JWT' })
        .sign(privateKey);
      return json(res, 200, {
        token_type: 'Bearer',
        scope: 'openid email profile',
        expires_in: 3600,
        access_token: accessToken,
        id_token: idToken,
      });
    }
    return json(res, 404, { error: 'not_found' });
  }

  function graph(req: IncomingMessage, res: ServerResponse, path: string, u: URL) {
    const person = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
    if (!person) return json(res, 401, { error: { code: 'InvalidAuthenticationToken' } });
    if (path !== '/v1.0/me/memberOf') return json(res, 404, { error: { code: 'Request_ResourceNotFound' } });
    const groups = fakes.entraPeople[person]!.groups;
    const page = u.searchParams.get('$skiptoken') === 'page2' ? 2 : 1;
    const half = Math.ceil(groups.length / 2);
    const items = (page === 1 ? groups.slice(0, half) : groups.slice(half)).map((id) => ({
      '@odata.type': '#microsoft.graph.group',
      id,
      displayName: `Group ${id}`,
    }));
    // A directory role is also a memberOf entry; it is not a group.
    if (page === 1)
      items.push({ '@odata.type': '#microsoft.graph.directoryRole', id: 'role-1', displayName: 'Reader' });
    const next =
      page === 1
        ? fakes.graphNextLinkElsewhere
          ? 'https://graph.attacker.test/v1.0/me/memberOf?$skiptoken=page2'
          : `${GRAPH}/v1.0/me/memberOf?$select=id&$skiptoken=page2`
        : undefined;
    return json(res, 200, {
      '@odata.context': `${GRAPH}/v1.0/$metadata#directoryObjects`,
      value: items,
      ...(next ? { '@odata.nextLink': next } : {}),
    });
  }

  async function github(req: IncomingMessage, res: ServerResponse, host: string, path: string, u: URL) {
    if (host === GITHUB && path === '/login/oauth/authorize') return authorize(res, u);
    if (host === GITHUB && path === '/login/oauth/access_token' && req.method === 'POST') {
      const grant = await redeem(req, res);
      if (!grant) return;
      const accessToken = `gho_${randomBytes(8).toString('hex')}`;
      tokens.set(accessToken, grant.person);
      return json(res, 200, {
        access_token: accessToken,
        token_type: 'bearer',
        scope: 'read:user,user:email',
      });
    }
    const person =
      fakes.githubPeople[tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, '')) ?? ''];
    if (!person) return json(res, 401, { message: 'Bad credentials' });
    if (path === '/user')
      return json(res, 200, {
        login: person.login,
        id: person.id,
        name: person.name,
        email: null,
        type: 'User',
      });
    if (path === '/user/emails')
      return json(
        res,
        200,
        person.emails.map((e) => ({ ...e, visibility: e.primary ? 'private' : null })),
      );
    return json(res, 404, { message: 'Not Found' });
  }

  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://fake');
    const [, encodedHost = '', ...rest] = u.pathname.split('/');
    const host = decodeURIComponent(encodedHost);
    const path = `/${rest.join('/')}`;
    const done = (p: Promise<void> | void) =>
      Promise.resolve(p).catch((err: unknown) => json(res, 500, { error: String(err) }));
    if (host === ENTRA) return done(entra(req, res, path, u));
    if (host === GRAPH) return done(graph(req, res, path, u));
    if (host === GITHUB || host === GITHUB_API) return done(github(req, res, host, path, u));
    json(res, 404, { error: 'unknown host' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
  return fakes;
}
