import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ROLES } from '../../src/config/schema.ts';
import { IdentityError } from '../../src/identity/errors.ts';
import type { ExternalIdentity } from '../../src/identity/external-identity.ts';
import { type SignInPolicy, signIn } from '../../src/identity/sign-in.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import { unique } from '../support/actors.ts';
import { ENGINES, openTestDatabase } from '../support/databases.ts';

const policy: SignInPolicy = { roles: DEFAULT_ROLES, singleOrganisation: true };

describe.each(ENGINES)('SSO sign-in rules (%s)', (engine) => {
  let store: Store;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const db = await openTestDatabase(engine);
    store = createStore(db.handle);
    close = db.close;
  });
  afterAll(() => close());

  async function setup() {
    const org = await store.organisations.create({ name: 'Acme', slug: unique('acme') });
    const domain = `${unique('acme')}.test`;
    const connection = {
      protocol: 'saml' as const,
      id: unique('cfg'),
      name: 'acme-okta',
      organisationId: org.id,
      defaultRole: 'member_viewer',
    };
    const identity = (overrides: Partial<ExternalIdentity> = {}): ExternalIdentity => ({
      connection,
      subject: 'alice-subject',
      email: `alice@${domain}`,
      emailVerified: true,
      firstName: 'Alice',
      lastName: 'Liddell',
      displayName: null,
      groups: [],
      role: null,
      ...overrides,
    });
    return { org, domain, connection, identity };
  }

  const refusal = async (p: Promise<unknown>) => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(IdentityError);
    return (err as IdentityError).code;
  };

  it('creates the user at first login with the default role and puts them in default groups', async () => {
    const { org, identity } = await setup();
    const everyone = await store.groups.create(org.id, { name: 'Everyone', addNewUsersByDefault: true });
    const r = await signIn(store, identity(), policy);
    expect(r).toMatchObject({ created: true, matchedBy: 'created', role: 'member_viewer' });
    expect(r.user).toMatchObject({ firstName: 'Alice', lastName: 'Liddell' });
    const groups = await store.groups.listForUser(r.user.id, org.id);
    expect(groups.map((g) => [g.id, g.source])).toEqual([[everyone.id, 'manual']]);
  });

  it('finds the same user again by (connection, subject) even when the email changed', async () => {
    const { identity } = await setup();
    const first = await signIn(store, identity(), policy);
    const again = await signIn(store, identity({ email: `renamed-${first.user.email}` }), policy);
    expect(again).toMatchObject({ matchedBy: 'link', created: false });
    expect(again.user.id).toBe(first.user.id);
  });

  it('adds groups listed by the IdP (source sso) and removes them when no longer listed; manual memberships stay', async () => {
    const { org, identity } = await setup();
    const eng = await store.groups.create(org.id, { name: 'Eng', externalId: 'eng' });
    const ops = await store.groups.create(org.id, { name: 'Ops', externalId: 'ops' });
    const manual = await store.groups.create(org.id, { name: 'Hand-picked', externalId: 'hand' });
    const first = await signIn(store, identity({ groups: ['eng', 'ops', 'unknown-group'] }), policy);
    expect(new Set(first.groupsAdded)).toEqual(new Set([eng.id, ops.id]));
    await store.groups.addMember(manual.id, first.user.id, 'manual');
    const second = await signIn(store, identity({ groups: ['eng'] }), policy);
    expect(second.groupsRemoved).toEqual([ops.id]);
    const now = await store.groups.listForUser(first.user.id, org.id);
    expect(now.map((g) => `${g.name}:${g.source}`).sort()).toEqual(['Eng:sso', 'Hand-picked:manual']);
  });

  it('takes the role from a valid role claim (LiteLLM aliases included), else from the highest-ranked group role, else keeps it', async () => {
    const { org, identity } = await setup();
    await store.groups.create(org.id, { name: 'Admins', externalId: 'admins', role: 'admin' });
    await store.groups.create(org.id, { name: 'Viewers', externalId: 'viewers', role: 'member_viewer' });
    expect((await signIn(store, identity({ role: 'proxy_admin_viewer' }), policy)).role).toBe('admin_viewer');
    expect(
      (await signIn(store, identity({ role: 'not-a-role', groups: ['viewers', 'admins'] }), policy)).role,
    ).toBe('admin');
    expect((await signIn(store, identity({ role: null, groups: [] }), policy)).role).toBe('admin');
  });

  it('links an existing password account by case-insensitive email when the organisation verified the domain', async () => {
    const { org, domain, identity } = await setup();
    await store.domains.create(org.id, { domain, verified: true });
    const existing = await store.users.create({ email: `Alice@${domain.toUpperCase()}`, passwordHash: 'x' });
    const r = await signIn(store, identity(), policy);
    expect(r).toMatchObject({ matchedBy: 'email', created: false });
    expect(r.user.id).toBe(existing.id);
    expect(
      await store.externalIdentities.get(`saml:${identity().connection.id}`, 'alice-subject'),
    ).toMatchObject({ userId: existing.id, linkedBy: 'email' });
  });

  it('never links by email when the IdP did not verify the address, even on a verified domain (attacks.md O-EMAIL-1)', async () => {
    const { org, domain, identity } = await setup();
    await store.domains.create(org.id, { domain, verified: true });
    await store.users.create({ email: `alice@${domain}`, passwordHash: 'x' });
    expect(await refusal(signIn(store, identity({ emailVerified: false }), policy))).toBe(
      'identity_link_refused',
    );
    expect(
      await store.externalIdentities.get(`saml:${identity().connection.id}`, 'alice-subject'),
    ).toBeUndefined();
  });

  it('links an existing member of the organisation whose email the IdP vouches for', async () => {
    const { org, identity } = await setup();
    const existing = await store.users.create({ email: identity().email! });
    await store.memberships.add(existing.id, org.id, 'member');
    expect((await signIn(store, identity(), policy)).user.id).toBe(existing.id);
  });

  it("refuses to take over another organisation's user by asserting their email (identity_link_refused) and writes nothing", async () => {
    const { identity } = await setup();
    const other = await store.organisations.create({ name: 'Victim', slug: unique('victim') });
    const victim = await store.users.create({ email: identity().email! });
    await store.memberships.add(victim.id, other.id, 'admin');
    expect(await refusal(signIn(store, identity(), policy))).toBe('identity_link_refused');
    expect(
      await store.externalIdentities.get(`saml:${identity().connection.id}`, 'alice-subject'),
    ).toBeUndefined();
    expect((await store.memberships.listForUser(victim.id)).length).toBe(1);
  });

  it('refuses a verified-domain link to an instance admin until they confirm (identity_link_needs_confirmation)', async () => {
    const { org, domain, identity } = await setup();
    await store.domains.create(org.id, { domain, verified: true });
    await store.users.create({ email: identity().email!, isInstanceAdmin: true });
    expect(await refusal(signIn(store, identity(), policy))).toBe('identity_link_needs_confirmation');
  });

  it('refuses an SSO user who belongs to another organisation (identity_multiple_organisations), unless the rule is off', async () => {
    const { org, identity } = await setup();
    const first = await signIn(store, identity(), policy);
    const other = await store.organisations.create({ name: 'Other', slug: unique('other') });
    await store.memberships.add(first.user.id, other.id, 'member');
    expect(await refusal(signIn(store, identity(), policy))).toBe('identity_multiple_organisations');
    const relaxed = await signIn(store, identity(), { ...policy, singleOrganisation: false });
    expect(relaxed.user.id).toBe(first.user.id);
    expect((await store.memberships.get(first.user.id, org.id))?.role).toBe('member_viewer');
  });

  it('refuses a disabled user (identity_account_disabled) and a login without email for a new user (identity_email_missing)', async () => {
    const { identity } = await setup();
    const first = await signIn(store, identity(), policy);
    await store.users.update(first.user.id, { disabled: true });
    expect(await refusal(signIn(store, identity(), policy))).toBe('identity_account_disabled');
    expect(await refusal(signIn(store, identity({ subject: 'nobody', email: null }), policy))).toBe(
      'identity_email_missing',
    );
  });

  it('refuses a new user whose email claim is not an address (identity_email_invalid), creating nobody; a linked user signs in whatever the claim says', async () => {
    const { identity } = await setup();
    const linked = await signIn(store, identity(), policy);
    for (const email of ['x@orga.test<script>', 'not an address', '"q"@orga.test']) {
      expect(await refusal(signIn(store, identity({ subject: `new-${email}`, email }), policy))).toBe(
        'identity_email_invalid',
      );
      expect(await store.users.getByEmail(email)).toBeUndefined();
    }
    const again = await signIn(store, identity({ email: 'x@orga.test<script>' }), policy);
    expect(again.user.id).toBe(linked.user.id);
    expect(again.user.email).toBe(linked.user.email);
  });
});
