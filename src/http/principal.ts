/**
 * Who is calling: an instance admin (API key, DRAWBRIDGE_ADMIN_KEY, or a session of an
 * instance-admin user), an organisation-scoped API key, or a signed-in user. And what they
 * may do to an organisation: objects of organisations a caller cannot see are reported as
 * missing (404), so ids of other tenants cannot be probed.
 */
import type { FastifyRequest } from 'fastify';
import { matchesConfiguredAdminKey, verifyApiKey } from '../credentials/api-keys.ts';
import { checkSession } from '../credentials/sessions.ts';
import { canAdminister, canViewAdministration } from '../identity/roles.ts';
import type { Organisation } from '../store/repositories/organisations.ts';
import type { FirstMembership, Session } from '../store/repositories/sessions.ts';
import type { User } from '../store/repositories/users.ts';
import type { AppContext } from './context.ts';
import { ApiError } from './errors.ts';

export type Principal =
  | {
      kind: 'instance_admin';
      actor: string;
      via: 'api_key' | 'configured_key' | 'session';
      user?: User;
      firstMembership?: FirstMembership | null;
    }
  | { kind: 'organisation_key'; actor: string; organisationId: string; role: string }
  | { kind: 'user'; actor: string; user: User; session: Session; firstMembership: FirstMembership | null };

const API_KEY_TOUCH_INTERVAL_MS = 60_000;

declare module 'fastify' {
  interface FastifyRequest {
    principalPromise?: Promise<Principal | null>;
    sessionCookie?: string;
  }
  interface FastifyContextConfig {
    /** A route other sites' pages post to by design (the SAML ACS): no Origin check (app.ts). */
    crossSitePost?: boolean;
  }
}

async function resolve(ctx: AppContext, request: FastifyRequest): Promise<Principal | null> {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const m = /^Api-Key\s+(\S+)\s*$/i.exec(header);
    if (!m) throw new ApiError('unauthorized', 'Authorization must be "Api-Key <key>"');
    const presented = m[1]!;
    if (matchesConfiguredAdminKey(presented, ctx.config.DRAWBRIDGE_ADMIN_KEY)) {
      return { kind: 'instance_admin', actor: 'key:DRAWBRIDGE_ADMIN_KEY', via: 'configured_key' };
    }
    const key = await verifyApiKey(ctx.store, presented);
    if (!key) throw new ApiError('unauthorized', 'The API key is unknown or revoked');
    const now = Date.now();
    if (key.lastUsedAt === null || now - key.lastUsedAt >= API_KEY_TOUCH_INTERVAL_MS) {
      await ctx.store.apiKeys.touch(key.id, now);
    }
    if (key.organisationId === null)
      return { kind: 'instance_admin', actor: `key:${key.id}`, via: 'api_key' };
    return {
      kind: 'organisation_key',
      actor: `key:${key.id}`,
      organisationId: key.organisationId,
      role: key.role,
    };
  }
  const cookie = request.cookies[ctx.config.SESSION_COOKIE_NAME];
  if (!cookie) return null;
  const active = await checkSession(ctx.store, ctx.sessionPolicy, cookie);
  if (!active) return null;
  request.sessionCookie = cookie;
  if (active.user.isInstanceAdmin) {
    return {
      kind: 'instance_admin',
      actor: `user:${active.user.id}`,
      via: 'session',
      user: active.user,
      firstMembership: active.firstMembership,
    };
  }
  return {
    kind: 'user',
    actor: `user:${active.user.id}`,
    user: active.user,
    session: active.session,
    firstMembership: active.firstMembership,
  };
}

/** The caller, resolved once per request; a bad Authorization header is a 401, not anonymity. */
export function principalOf(ctx: AppContext, request: FastifyRequest): Promise<Principal | null> {
  request.principalPromise ??= resolve(ctx, request);
  return request.principalPromise;
}

export async function requirePrincipal(ctx: AppContext, request: FastifyRequest): Promise<Principal> {
  const p = await principalOf(ctx, request);
  if (!p) throw new ApiError('unauthorized', 'Sign in or send "Authorization: Api-Key <key>"');
  return p;
}

export async function requireInstanceAdmin(ctx: AppContext, request: FastifyRequest): Promise<Principal> {
  const p = await requirePrincipal(ctx, request);
  if (p.kind !== 'instance_admin') throw new ApiError('forbidden', 'This needs an instance administrator');
  return p;
}

export type Need = 'read' | 'write';

/** The caller's role in an organisation ('admin' for instance admins), or undefined. */
export async function roleIn(
  ctx: AppContext,
  p: Principal,
  organisationId: string,
): Promise<string | undefined> {
  switch (p.kind) {
    case 'instance_admin':
      return 'admin';
    case 'organisation_key':
      return p.organisationId === organisationId ? p.role : undefined;
    case 'user':
      return (await ctx.store.memberships.get(p.user.id, organisationId))?.role;
  }
}

/**
 * The organisation, if the caller may `need` it. Not visible (no membership, other
 * tenant, unknown id) → not_found; visible but the role is too weak → forbidden.
 */
export async function requireOrganisation(
  ctx: AppContext,
  request: FastifyRequest,
  organisationId: string,
  need: Need,
): Promise<{ principal: Principal; organisation: Organisation }> {
  const principal = await requirePrincipal(ctx, request);
  const role = await roleIn(ctx, principal, organisationId);
  const organisation = role === undefined ? undefined : await ctx.store.organisations.get(organisationId);
  if (!organisation || role === undefined) throw new ApiError('not_found', 'No such organisation');
  const allowed = need === 'write' ? canAdminister(role) : canViewAdministration(role);
  if (!allowed) {
    throw new ApiError(
      'forbidden',
      `Your role "${role}" may not ${need === 'write' ? 'change' : 'view'} this`,
    );
  }
  return { principal, organisation };
}

/** requireOrganisation for a route below /organisations/:orgId: the organisation its path names. */
export function requirePathOrganisation(
  ctx: AppContext,
  request: FastifyRequest & { params: { orgId: string } },
  need: Need,
): Promise<{ principal: Principal; organisation: Organisation }> {
  return requireOrganisation(ctx, request, request.params.orgId, need);
}
