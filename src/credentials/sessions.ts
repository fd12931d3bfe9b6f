/**
 * Browser sessions: an opaque random id in the cookie, its SHA-256 in the database. Every
 * check reads the database (one primary-key lookup), so a revocation holds on every
 * instance at once; the sliding expiry is written at most once a minute per session.
 */
import type { ActiveSession } from '../store/repositories/sessions.ts';
import type { Repositories } from '../store/store.ts';
import { randomToken, sha256Hex } from './tokens.ts';

export interface SessionPolicy {
  idleSeconds: number;
  absoluteSeconds: number;
}

const TOUCH_INTERVAL_MS = 60_000;

export interface StartedSession {
  cookieValue: string;
  absoluteExpiresAt: number;
}

export async function startSession(
  repos: Pick<Repositories, 'sessions'>,
  policy: SessionPolicy,
  input: {
    userId: string;
    method: string;
    ip: string | null;
    userAgent: string | null;
    /** An upper bound from the IdP (SAML SessionNotOnOrAfter): the session ends no later. */
    notAfter?: number | null;
  },
  now = Date.now(),
): Promise<StartedSession> {
  const cookieValue = randomToken(32);
  const absoluteExpiresAt = Math.min(
    now + policy.absoluteSeconds * 1000,
    input.notAfter ?? Number.POSITIVE_INFINITY,
  );
  await repos.sessions.create({
    idHash: sha256Hex(cookieValue),
    userId: input.userId,
    createdAt: now,
    lastSeenAt: now,
    idleExpiresAt: Math.min(now + policy.idleSeconds * 1000, absoluteExpiresAt),
    absoluteExpiresAt,
    ip: input.ip,
    userAgent: input.userAgent?.slice(0, 512) ?? null,
    method: input.method,
  });
  return { cookieValue, absoluteExpiresAt };
}

/** The live session behind a cookie value, sliding its idle expiry forward. */
export async function checkSession(
  repos: Pick<Repositories, 'sessions'>,
  policy: SessionPolicy,
  cookieValue: string,
  now = Date.now(),
): Promise<ActiveSession | undefined> {
  if (cookieValue.length !== 43) return undefined;
  const active = await repos.sessions.findActive(sha256Hex(cookieValue), now);
  if (!active) return undefined;
  if (now - active.session.lastSeenAt >= TOUCH_INTERVAL_MS) {
    const idleExpiresAt = Math.min(now + policy.idleSeconds * 1000, active.session.absoluteExpiresAt);
    await repos.sessions.touch(active.session.idHash, now, idleExpiresAt);
  }
  return active;
}

export async function endSession(
  repos: Pick<Repositories, 'sessions'>,
  cookieValue: string,
  now = Date.now(),
): Promise<void> {
  await repos.sessions.revoke(sha256Hex(cookieValue), now);
}
