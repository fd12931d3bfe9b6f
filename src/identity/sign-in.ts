/**
 * The organisation rules applied after an IdP proved who someone is, the same for every
 * protocol: find or create the person, link accounts only when it is safe, keep one
 * organisation per SSO user, set the role, and sync SSO-sourced group memberships.
 * Everything happens in one transaction: a refusal writes nothing.
 */
import type { Group } from '../store/repositories/groups.ts';
import type { User } from '../store/repositories/users.ts';
import type { Repositories, Store } from '../store/store.ts';
import { plausibleEmail } from './email-address.ts';
import { IdentityError } from './errors.ts';
import { connectionKey, type ExternalIdentity } from './external-identity.ts';
import { roleFromClaims } from './role-mapping.ts';

export interface SignInPolicy {
  roles: readonly string[];
  /** An SSO user may belong to one organisation only (Flagsmith's rule). */
  singleOrganisation: boolean;
}

export interface SignInResult {
  user: User;
  role: string;
  created: boolean;
  /** How this login found the user: an existing link, a new link by email, or a new user. */
  matchedBy: 'link' | 'email' | 'created';
  groupsAdded: string[];
  groupsRemoved: string[];
}

function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

/** Finds the user this identity belongs to, linking by email only under the organisation's rules. */
async function findOrCreateUser(
  tx: Repositories,
  identity: ExternalIdentity,
  now: number,
): Promise<{ user: User; matchedBy: SignInResult['matchedBy'] }> {
  const key = connectionKey(identity.connection);
  const link = await tx.externalIdentities.get(key, identity.subject);
  if (link) {
    const user = await tx.users.get(link.userId);
    if (user) {
      await tx.externalIdentities.touch(key, identity.subject, now);
      return { user, matchedBy: 'link' };
    }
  }
  if (!identity.email) {
    throw new IdentityError('identity_email_missing', 'The identity provider sent no email address');
  }
  if (!plausibleEmail(identity.email)) {
    throw new IdentityError(
      'identity_email_invalid',
      'The identity provider sent an email that is not an address',
    );
  }
  const orgId = identity.connection.organisationId;
  const existing = await tx.users.getByEmail(identity.email);
  if (existing) {
    // An IdP must never take over a person it does not own: the organisation must own the
    // email's domain (verified), or the person must already be its member and the IdP vouch
    // for the address.
    const domain = await tx.domains.getByDomain(emailDomain(identity.email));
    const ownsDomain = domain !== undefined && domain.organisationId === orgId && domain.verified;
    const member = (await tx.memberships.get(existing.id, orgId)) !== undefined;
    // And the IdP must say it verified the address (OIDC email_verified; nOAuth, attacks.md O-EMAIL-1).
    if (!identity.emailVerified || !(ownsDomain || member)) {
      throw new IdentityError(
        'identity_link_refused',
        identity.emailVerified
          ? 'An account with this email exists and this organisation has not verified the email domain'
          : 'An account with this email exists and the identity provider did not verify the address',
      );
    }
    if (existing.isInstanceAdmin) {
      throw new IdentityError(
        'identity_link_needs_confirmation',
        'This email belongs to an instance administrator; they must sign in by their existing method first',
        { connection: key, subject: identity.subject, userId: existing.id },
      );
    }
    await tx.externalIdentities.link(
      { connection: key, subject: identity.subject, userId: existing.id, linkedBy: 'email' },
      now,
    );
    return { user: existing, matchedBy: 'email' };
  }
  const user = await tx.users.create({
    email: identity.email,
    firstName: identity.firstName ?? '',
    lastName: identity.lastName ?? '',
  });
  await tx.externalIdentities.link(
    { connection: key, subject: identity.subject, userId: user.id, linkedBy: 'jit' },
    now,
  );
  return { user, matchedBy: 'created' };
}

/** Adds SSO memberships for listed groups and removes SSO memberships no longer listed; manual ones stay. */
async function syncGroups(
  tx: Repositories,
  userId: string,
  organisationId: string,
  matched: Group[],
): Promise<{ added: string[]; removed: string[] }> {
  const current = await tx.groups.listForUser(userId, organisationId);
  const currentIds = new Set(current.map((g) => g.id));
  const matchedIds = new Set(matched.map((g) => g.id));
  const added: string[] = [];
  const removed: string[] = [];
  for (const g of matched) {
    if (!currentIds.has(g.id)) {
      await tx.groups.addMember(g.id, userId, 'sso');
      added.push(g.id);
    }
  }
  for (const g of current) {
    if (g.source === 'sso' && !matchedIds.has(g.id)) {
      await tx.groups.removeMember(g.id, userId, 'sso');
      removed.push(g.id);
    }
  }
  return { added, removed };
}

/** The rules in their own transaction. */
export function signIn(
  store: Store,
  identity: ExternalIdentity,
  policy: SignInPolicy,
): Promise<SignInResult> {
  return store.transaction((tx) => signInWithin(tx, identity, policy));
}

/**
 * The rules inside a transaction the caller owns, so that a protocol flow can make the whole
 * login (request consumed, replay recorded, user synced, session, trace) one commit.
 */
export async function signInWithin(
  tx: Repositories,
  identity: ExternalIdentity,
  policy: SignInPolicy,
): Promise<SignInResult> {
  if (!identity.subject)
    throw new IdentityError('identity_subject_missing', 'The identity provider sent no subject');
  const orgId = identity.connection.organisationId;
  const now = Date.now();
  const { user, matchedBy } = await findOrCreateUser(tx, identity, now);
  if (user.disabled) throw new IdentityError('identity_account_disabled', 'This account is disabled');
  const memberships = await tx.memberships.listForUser(user.id);
  if (policy.singleOrganisation && memberships.some((m) => m.organisationId !== orgId)) {
    throw new IdentityError(
      'identity_multiple_organisations',
      'This person belongs to another organisation; an SSO user may belong to one organisation only',
    );
  }
  const matched = await tx.groups.listByExternalIds(orgId, identity.groups ?? []);
  const claimed = roleFromClaims(
    identity.role,
    matched.map((g) => g.role),
    policy.roles,
  );
  const membership = memberships.find((m) => m.organisationId === orgId);
  let role: string;
  if (membership) {
    role = claimed ?? membership.role;
    if (role !== membership.role) await tx.memberships.setRole(user.id, orgId, role);
  } else {
    role = claimed ?? identity.connection.defaultRole;
    await tx.memberships.add(user.id, orgId, role);
    for (const g of await tx.groups.listDefaults(orgId)) {
      if (!matched.some((m) => m.id === g.id)) await tx.groups.addMember(g.id, user.id, 'manual');
    }
  }
  const { added, removed } = await syncGroups(tx, user.id, orgId, matched);
  const names = {
    ...(identity.firstName ? { firstName: identity.firstName } : {}),
    ...(identity.lastName ? { lastName: identity.lastName } : {}),
  };
  const updated =
    Object.keys(names).length > 0 && (names.firstName !== user.firstName || names.lastName !== user.lastName)
      ? ((await tx.users.update(user.id, names)) ?? user)
      : user;
  return {
    user: updated,
    role,
    created: matchedBy === 'created',
    matchedBy,
    groupsAdded: added,
    groupsRemoved: removed,
  };
}
