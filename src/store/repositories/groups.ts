/**
 * Groups of an organisation and their members. Each membership records its source so that
 * SSO group sync only ever adds or removes memberships it made itself (never manual ones).
 */
import type { Kysely, Selectable, Updateable } from 'kysely';
import { translateConstraints } from '../errors.ts';
import { type HotQuery, hotQuery, hotStatement } from '../hot-query.ts';
import { newId } from '../ids.ts';
import type { Database, GroupsTable } from '../schema.ts';

export type MembershipSource = 'manual' | 'sso';

export interface Group {
  id: string;
  organisationId: string;
  name: string;
  externalId: string | null;
  addNewUsersByDefault: boolean;
  role: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface GroupWithSource extends Group {
  source: MembershipSource;
}

export interface GroupMember {
  userId: string;
  email: string;
  source: MembershipSource;
  createdAt: number;
}

function toGroup(r: Selectable<GroupsTable>): Group {
  return {
    id: r.id,
    organisationId: r.organisation_id,
    name: r.name,
    externalId: r.external_id,
    addNewUsersByDefault: r.add_new_users_by_default === 1,
    role: r.role,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export interface NewGroup {
  name: string;
  externalId?: string | null;
  addNewUsersByDefault?: boolean;
  role?: string | null;
}

/**
 * Every SSO login matches its group claims: the query is precompiled for each list length up to
 * this (claims usually carry a handful of groups); longer lists are built on each call.
 */
const MAX_PRECOMPILED_EXTERNAL_IDS = 32;

export function groupsRepository(db: Kysely<Database>) {
  /** The groups of an organisation with any of the external ids. */
  const byExternalIdsQuery = (organisationId: string, externalIds: string[]) =>
    db
      .selectFrom('groups')
      .selectAll()
      .where('organisation_id', '=', organisationId)
      .where('external_id', 'in', externalIds);
  const byExternalIdsQueries = new Map<number, HotQuery<Selectable<GroupsTable>>>();
  /** The same, precompiled for n ids: the organisation is parameter 0, the ids 1…n. */
  const byExternalIds = (n: number) => {
    let query = byExternalIdsQueries.get(n);
    if (!query) {
      query = hotQuery(
        db,
        n + 1,
        (p) =>
          byExternalIdsQuery(
            p(0),
            Array.from({ length: n }, (_, i) => p(i + 1)),
          ),
        `groups.listByExternalIds.${n}`,
      );
      byExternalIdsQueries.set(n, query);
    }
    return query;
  };
  // /auth/me reads a person's groups on every call.
  const listAllForUserQuery = hotQuery(db, 1, (p) =>
    db
      .selectFrom('group_memberships')
      .innerJoin('groups', 'groups.id', 'group_memberships.group_id')
      .selectAll('groups')
      .select('group_memberships.source')
      .where('group_memberships.user_id', '=', p(0))
      .orderBy('groups.name'),
  );
  // Group sync at every SSO login: the person's groups in one organisation, additions, removals.
  const listInOrganisationForUserQuery = hotQuery(
    db,
    2,
    (p) =>
      db
        .selectFrom('group_memberships')
        .innerJoin('groups', 'groups.id', 'group_memberships.group_id')
        .selectAll('groups')
        .select('group_memberships.source')
        .where('group_memberships.user_id', '=', p(0))
        .where('groups.organisation_id', '=', p(1))
        .orderBy('groups.name'),
    'groups.listForUserInOrganisation',
  );
  const insertMember = hotStatement(
    db,
    4,
    (p) =>
      db.insertInto('group_memberships').values({
        group_id: p(0),
        user_id: p(1),
        source: p(2) as MembershipSource,
        created_at: p(3) as unknown as number,
      }),
    'groups.addMember',
  );
  const deleteMemberFromSource = hotStatement(
    db,
    3,
    (p) =>
      db
        .deleteFrom('group_memberships')
        .where('group_id', '=', p(0))
        .where('user_id', '=', p(1))
        .where('source', '=', p(2) as MembershipSource),
    'groups.removeMemberFromSource',
  );
  return {
    async create(organisationId: string, input: NewGroup): Promise<Group> {
      const now = Date.now();
      const row = {
        id: newId(),
        organisation_id: organisationId,
        name: input.name,
        external_id: input.externalId ?? null,
        add_new_users_by_default: input.addNewUsersByDefault ? 1 : 0,
        role: input.role ?? null,
        created_at: now,
        updated_at: now,
      };
      await translateConstraints('a group with this externalId', () =>
        db.insertInto('groups').values(row).execute(),
      );
      return toGroup(row);
    },

    async get(organisationId: string, id: string): Promise<Group | undefined> {
      const r = await db
        .selectFrom('groups')
        .selectAll()
        .where('organisation_id', '=', organisationId)
        .where('id', '=', id)
        .executeTakeFirst();
      return r && toGroup(r);
    },

    async list(organisationId: string): Promise<Group[]> {
      const rows = await db
        .selectFrom('groups')
        .selectAll()
        .where('organisation_id', '=', organisationId)
        .orderBy('name')
        .orderBy('id')
        .execute();
      return rows.map(toGroup);
    },

    async listByExternalIds(organisationId: string, externalIds: string[]): Promise<Group[]> {
      if (externalIds.length === 0) return [];
      if (externalIds.length > MAX_PRECOMPILED_EXTERNAL_IDS) {
        return (await byExternalIdsQuery(organisationId, externalIds).execute()).map(toGroup);
      }
      return (await byExternalIds(externalIds.length)(organisationId, ...externalIds)).map(toGroup);
    },

    async listDefaults(organisationId: string): Promise<Group[]> {
      const rows = await db
        .selectFrom('groups')
        .selectAll()
        .where('organisation_id', '=', organisationId)
        .where('add_new_users_by_default', '=', 1)
        .execute();
      return rows.map(toGroup);
    },

    async update(organisationId: string, id: string, patch: Partial<NewGroup>): Promise<Group | undefined> {
      const values: Updateable<GroupsTable> = { updated_at: Date.now() };
      if (patch.name !== undefined) values.name = patch.name;
      if (patch.externalId !== undefined) values.external_id = patch.externalId;
      if (patch.addNewUsersByDefault !== undefined)
        values.add_new_users_by_default = patch.addNewUsersByDefault ? 1 : 0;
      if (patch.role !== undefined) values.role = patch.role;
      await translateConstraints('a group with this externalId', () =>
        db
          .updateTable('groups')
          .set(values)
          .where('organisation_id', '=', organisationId)
          .where('id', '=', id)
          .execute(),
      );
      return this.get(organisationId, id);
    },

    async delete(organisationId: string, id: string): Promise<boolean> {
      const r = await db
        .deleteFrom('groups')
        .where('organisation_id', '=', organisationId)
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },

    async addMember(groupId: string, userId: string, source: MembershipSource): Promise<void> {
      await translateConstraints('this group membership', () =>
        insertMember(groupId, userId, source, Date.now()),
      );
    },

    /** Removes a membership; with `onlySource`, only when it has that source. */
    async removeMember(groupId: string, userId: string, onlySource?: MembershipSource): Promise<boolean> {
      if (onlySource) return (await deleteMemberFromSource(groupId, userId, onlySource)).affected > 0;
      const r = await db
        .deleteFrom('group_memberships')
        .where('group_id', '=', groupId)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },

    async listMembers(groupId: string): Promise<GroupMember[]> {
      const rows = await db
        .selectFrom('group_memberships')
        .innerJoin('users', 'users.id', 'group_memberships.user_id')
        .select([
          'users.id as userId',
          'users.email',
          'group_memberships.source',
          'group_memberships.created_at',
        ])
        .where('group_memberships.group_id', '=', groupId)
        .orderBy('users.email_normalized')
        .execute();
      return rows.map((r) => ({
        userId: r.userId,
        email: r.email,
        source: r.source,
        createdAt: r.created_at,
      }));
    },

    /** The user's groups, optionally within one organisation, each with its membership source. */
    async listForUser(userId: string, organisationId?: string): Promise<GroupWithSource[]> {
      const rows = organisationId
        ? await listInOrganisationForUserQuery(userId, organisationId)
        : await listAllForUserQuery(userId);
      return rows.map((r) => ({ ...toGroup(r), source: r.source }));
    },
  };
}
