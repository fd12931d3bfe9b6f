/**
 * A real OpenID Provider for end-to-end tests: panva's certified `oidc-provider` on loopback,
 * with its built-in login and consent pages (devInteractions). Keys, algorithms, clients and
 * people are chosen per test; restarting with other keys is a key rotation.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider from 'oidc-provider';

export type SigningAlg = 'RS256' | 'PS256' | 'ES256' | 'EdDSA';

export interface Person {
  email: string;
  email_verified: boolean;
  given_name?: string;
  family_name?: string;
  name?: string;
  groups?: string[];
  role?: string;
  [claim: string]: unknown;
}

export interface OpClient {
  client_id: string;
  client_secret?: string;
  redirect_uris: string[];
  token_endpoint_auth_method?: string;
  id_token_signed_response_alg?: string;
}

export interface OpOptions {
  /** Private signing keys (from makeSigningKey); the first key of each alg signs. */
  keys: JWK[];
  clients: OpClient[];
  people: Record<string, Person>;
  /** Listen on this port (a restart keeps the issuer); 0 picks one. */
  port?: number;
  /** Issuer to announce instead of the URL it is served at (mix-up / mismatch tests). */
  issuer?: string;
}

export interface RunningOp {
  issuer: string;
  url: string;
  port: number;
  keys: JWK[];
  close(): Promise<void>;
}

export async function makeSigningKey(alg: SigningAlg, kid: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
  });
  return { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

export async function startOp(options: OpOptions): Promise<RunningOp> {
  let handler: ((req: never, res: never) => void) | undefined;
  const server = createServer((req, res) => {
    // Never reuse a socket across restarts on the same port.
    res.setHeader('connection', 'close');
    handler!(req as never, res as never);
  });
  const port = await listen(server, options.port ?? 0);
  const url = `http://127.0.0.1:${port}`;
  const issuer = options.issuer ?? url;
  const algs = [...new Set(options.keys.map((k) => k.alg as string))];
  const provider = new Provider(issuer, {
    clients: options.clients.map((c) => ({
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: c.client_secret ? 'client_secret_basic' : 'none',
      ...c,
    })),
    jwks: { keys: options.keys as never },
    enabledJWA: { idTokenSigningAlgValues: [...algs, 'HS256'] as never },
    pkce: { required: () => true },
    scopes: ['openid', 'email', 'profile', 'groups'],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name'],
      groups: ['groups', 'role'],
    },
    // Scope claims in the ID token too, as Okta and Entra do with groups.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['test-cookie-key-not-secret'] },
    async findAccount(_ctx, sub) {
      const person = options.people[sub];
      if (!person) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...person }) };
    },
  });
  // oidc-provider prints dev-only warnings; they are expected here.
  handler = provider.callback() as never;
  return {
    issuer,
    url,
    port,
    keys: options.keys,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
