/**
 * The ID token validation contenders of bench:oidc, in process, per algorithm: a raw
 * `crypto.verify` of the token's signing input (the floor), Drawbridge's `verifyIdToken` with the
 * key given and with the key from its JWKS cache, and jose's `jwtVerify` for orientation.
 */
import { verify as cryptoVerify, type KeyObject, randomBytes } from 'node:crypto';
import { importJWK, jwtVerify } from 'jose';
import {
  DEFAULT_ALGORITHMS,
  type IdTokenExpectations,
  type KeyResolver,
  verifyIdToken,
} from '../../src/oidc/id-token.ts';
import { remoteKeyResolver } from '../../src/oidc/jwks.ts';
import { type Contender, loopAsync, loopSync, type Measured, type Round, rate } from '../lib/measure.ts';
import { median } from '../lib/stats.ts';
import { CLIENT_ID } from './drawbridge.ts';
import { ALGS, type Alg, hashOf, idTokenClaims, keyOptions, type makeKey, signJwt, splitJwt } from './jwt.ts';
import { CLOCK_SKEW_SECONDS, IN_PROCESS_SET, MAX_AGE_SECONDS } from './plan.ts';
import { person } from './prepare-callbacks.ts';
import type { StubOp } from './stub-op.ts';

/** JWKS requests of the in-process resolver (b), so the stub's count can show the server's alone. */
let benchJwksFetches = 0;

export function inProcessJwksFetches(): number {
  return benchJwksFetches;
}

export interface VerifyContenders {
  alg: Alg;
  raw: Contender;
  drawbridge: Contender;
  drawbridgeJwks: Contender;
  jose: Contender;
}

export async function verifyContenders(
  op: StubOp,
  keys: Map<Alg, ReturnType<typeof makeKey>>,
  verifySeconds: number,
): Promise<VerifyContenders[]> {
  const now = Math.floor(Date.now() / 1000);
  // Drawbridge's JWKS resolver on the stub's key set, as the callback uses it (fetched once, then cached).
  const jwksResolver = remoteKeyResolver(`${op.issuer}/jwks`, {
    cooldownSeconds: 30,
    maxAgeSeconds: 3_600,
    timeoutMs: 5_000,
    fetch: ((url: string, init: RequestInit) => {
      benchJwksFetches++;
      return fetch(url, init);
    }) as never,
  });
  const out: VerifyContenders[] = [];
  for (const alg of ALGS) {
    const key = keys.get(alg)!;
    const nonces = Array.from({ length: IN_PROCESS_SET }, () => randomBytes(16).toString('base64url'));
    const tokens = nonces.map((nonce, i) =>
      signJwt(key, idTokenClaims(op.issuer, CLIENT_ID, nonce, person(i), now)),
    );
    const parts = tokens.map(splitJwt);
    const expectations: IdTokenExpectations[] = nonces.map((nonce) => ({
      issuer: op.issuer,
      clientId: CLIENT_ID,
      nonce,
      algorithms: DEFAULT_ALGORITHMS,
      clockSkewSeconds: CLOCK_SKEW_SECONDS,
      maxAgeSeconds: MAX_AGE_SECONDS,
    }));
    const publicKey: KeyObject = key.publicKey;
    const resolved: KeyResolver = async () => publicKey;
    const rawOptions = keyOptions(alg, publicKey);
    const hash = hashOf(alg);
    const rawOnce = (i: number) => {
      const p = parts[i % IN_PROCESS_SET]!;
      if (!cryptoVerify(hash, p.signingInput, rawOptions, p.signature))
        throw new Error(`${alg}: raw verify failed`);
    };
    const checked = (claims: Record<string, unknown>, i: number) => {
      if (claims.nonce !== nonces[i % IN_PROCESS_SET]) throw new Error(`${alg}: wrong claims back`);
    };
    const drawbridgeOnce = async (i: number) =>
      checked(
        await verifyIdToken(
          tokens[i % IN_PROCESS_SET]!,
          expectations[i % IN_PROCESS_SET]!,
          resolved,
          Date.now(),
        ),
        i,
      );
    const jwksOnce = async (i: number) =>
      checked(
        await verifyIdToken(
          tokens[i % IN_PROCESS_SET]!,
          expectations[i % IN_PROCESS_SET]!,
          jwksResolver,
          Date.now(),
        ),
        i,
      );
    const cryptoKey = await importJWK(key.jwk as never, alg);
    const joseOptions = {
      issuer: op.issuer,
      audience: CLIENT_ID,
      algorithms: [alg],
      clockTolerance: CLOCK_SKEW_SECONDS,
    };
    const joseOnce = async (i: number) => {
      const { payload } = await jwtVerify(tokens[i % IN_PROCESS_SET]!, cryptoKey, joseOptions);
      checked(payload, i);
    };
    // Each round runs a contender twice, for half the round each time (see bench/oidc.ts).
    const sync = (name: string, fn: (i: number) => void): Contender => ({
      name,
      warmUp: async () => void loopSync(fn, 0.2),
      run: async () => loopSync(fn, verifySeconds / 2),
    });
    const async_ = (name: string, fn: (i: number) => Promise<void>): Contender => ({
      name,
      warmUp: async () => void (await loopAsync(fn, 0.2)),
      run: () => loopAsync(fn, verifySeconds / 2),
    });
    out.push({
      alg,
      raw: sync(`${alg} raw crypto.verify`, rawOnce),
      drawbridge: async_(`${alg} Drawbridge verifyIdToken (KeyObject)`, drawbridgeOnce),
      drawbridgeJwks: async_(`${alg} Drawbridge verifyIdToken (JWKS resolver)`, jwksOnce),
      jose: async_(`${alg} jose jwtVerify`, joseOnce),
    });
  }
  return out;
}

export function addRounds(a: Round, b: Round): Round {
  return {
    ops: a.ops + b.ops,
    seconds: a.seconds + b.seconds,
    selfCpuMs: a.selfCpuMs + b.selfCpuMs,
    serverCpuMs: a.serverCpuMs + b.serverCpuMs,
    otherCpuMs: a.otherCpuMs + b.otherCpuMs,
  };
}

/** Median over the rounds of the round's rate ÷ the raw verify's rate in the same round. */
export function ratioToRaw(m: Measured, raw: Measured): number {
  return median(m.rounds.map((x, k) => rate(x) / rate(raw.rounds[k]!)));
}
