/** Users (one per person, email unique case-insensitively) and their organisation memberships. */
import { type Kysely, type Selectable, sql, type Updateable } from 'kysely';
import { translateConstraints } from '../errors.ts';
import { hotQuery } from '../hot-query.ts';
import { decodeCursor, encodeCursor, newId, normaliseEmail } from '../ids.ts';
import type { Database, UsersTable } from '../schema.ts';
import type { Page } from './organisations.ts';

export type UserAttributes = Record<string, unknown>;

export interface User {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  disabled: boolean;
  isInstanceAdmin: boolean;
  hasPassword: boolean;
  attributes: UserAttributes;
  createdAt: number;
  updatedAt: number;
}

export interface Membership {
  userId: string;
  organisationId: string;
  role: string;
  createdAt: number;
}

export interface OrganisationUser extends User {
  role: string;
}

export function toUser(r: Selectable<UsersTable>): User {
  return {
    id: r.id,
    email: r.email,
    firstName: r.first_name,
    lastName: r.last_name,
    disabled: r.disabled === 1,
    isInstanceAdmin: r.is_instance_admin === 1,
    hasPassword: r.password_hash !== null,
    attributes: JSON.parse(r.attributes) as UserAttributes,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export interface NewUser {
  email: string;
  firstName?: string;
  lastName?: string;
  passwordHash?: string | null;
  isInstanceAdmin?: boolean;
  attributes?: UserAttributes;
}

export interface UserPatch {
  firstName?: string;
  lastName?: string;
  disabled?: boolean;
  passwordHash?: string | null;
  attributes?: UserAttributes;
}

export function usersRepository(db: Kysely<Database>) {
  // Every SSO login reads its user (precompiled: see hot-query.ts).
  const getUser = hotQuery(
    db,
    1,
    (p) => db.selectFrom('users').selectAll().where('id', '=', p(0)),
    'users.get',
  );
  return {
    async create(input: NewUser): Promise<User> {
      const now = Date.now();
      const row = {
        id: newId(),
        email: input.email.trim(),
        email_normalized: normaliseEmail(input.email),
        first_name: input.firstName ?? '',
        last_name: input.lastName ?? '',
        password_hash: input.passwordHash ?? null,
        disabled: 0,
        is_instance_admin: input.isInstanceAdmin ? 1 : 0,
        attributes: JSON.stringify(input.attributes ?? {}),
        created_at: now,
        updated_at: now,
      };
      await translateConstraints('a user with this email', () =>
        db.insertInto('users').values(row).execute(),
      );
      return toUser(row);
    },

    async get(id: string): Promise<User | undefined> {
      const [r] = await getUser(id);
      return r && toUser(r);
    },

    async getByEmail(email: string): Promise<User | undefined> {
      const r = await db
        .selectFrom('users')
        .selectAll()
        .where('email_normalized', '=', normaliseEmail(email))
        .executeTakeFirst();
      return r && toUser(r);
    },

    /** The stored argon2id hash, read only by the password check. */
    async getPasswordHash(id: string): Promise<string | null> {
      const r = await db.selectFrom('users').select('password_hash').where('id', '=', id).executeTakeFirst();
      return r?.password_hash ?? null;
    },

    async update(id: string, patch: UserPatch): Promise<User | undefined> {
      const values: Updateable<UsersTable> = { updated_at: Date.now() };
      if (patch.firstName !== undefined) values.first_name = patch.firstName;
      if (patch.lastName !== undefined) values.last_name = patch.lastName;
      if (patch.disabled !== undefined) values.disabled = patch.disabled ? 1 : 0;
      if (patch.passwordHash !== undefined) values.password_hash = patch.passwordHash;
      if (patch.attributes !== undefined) values.attributes = JSON.stringify(patch.attributes);
      await db.updateTable('users').set(values).where('id', '=', id).execute();
      return this.get(id);
    },

    async delete(id: string): Promise<boolean> {
      const r = await db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },

    /** Members of an organisation, ordered by email, filtered by a case-insensitive substring. */
    async listInOrganisation(
      organisationId: string,
      opts: { limit: number; cursor?: string; search?: string },
    ): Promise<Page<OrganisationUser>> {
      let q = db
        .selectFrom('users')
        .innerJoin('memberships', 'memberships.user_id', 'users.id')
        .selectAll('users')
        .select('memberships.role')
        .where('memberships.organisation_id', '=', organisationId)
        .orderBy('users.email_normalized')
        .limit(opts.limit + 1);
      const after = decodeCursor(opts.cursor);
      if (after !== undefined) q = q.where('users.email_normalized', '>', after);
      if (opts.search) {
        // LIKE wildcards in the search text are matched literally.
        const pattern = `%${opts.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        q = q.where((eb) =>
          eb.or([
            eb('users.email_normalized', 'like', sql<string>`${pattern} escape '\\'`),
            eb(
              sql`lower(users.first_name || ' ' || users.last_name)`,
              'like',
              sql<string>`${pattern} escape '\\'`,
            ),
          ]),
        );
      }
      const rows = await q.execute();
      const items = rows.slice(0, opts.limit).map((r) => ({ ...toUser(r), role: r.role }));
      const last = rows[Math.min(rows.length, opts.limit) - 1];
      return {
        items,
        nextCursor: rows.length > opts.limit && last ? encodeCursor(last.email_normalized) : null,
      };
    },
  };
}

export function membershipsRepository(db: Kysely<Database>) {
  const toMembership = (r: {
    user_id: string;
    organisation_id: string;
    role: string;
    created_at: number;
  }) => ({
    userId: r.user_id,
    organisationId: r.organisation_id,
    role: r.role,
    createdAt: r.created_at,
  });
  // Every SSO login reads the person's memberships (precompiled: see hot-query.ts).
  const listForUserQuery = hotQuery(
    db,
    1,
    (p) => db.selectFrom('memberships').selectAll().where('user_id', '=', p(0)).orderBy('created_at'),
    'memberships.listForUser',
  );
  return {
    async add(userId: string, organisationId: string, role: string): Promise<Membership> {
      const row = { user_id: userId, organisation_id: organisationId, role, created_at: Date.now() };
      await translateConstraints('this membership', () => db.insertInto('memberships').values(row).execute());
      return toMembership(row);
    },

    async get(userId: string, organisationId: string): Promise<Membership | undefined> {
      const r = await db
        .selectFrom('memberships')
        .selectAll()
        .where('user_id', '=', userId)
        .where('organisation_id', '=', organisationId)
        .executeTakeFirst();
      return r && toMembership(r);
    },

    async listForUser(userId: string): Promise<Membership[]> {
      const rows = await listForUserQuery(userId);
      return rows.map(toMembership);
    },

    async setRole(userId: string, organisationId: string, role: string): Promise<void> {
      await db
        .updateTable('memberships')
        .set({ role })
        .where('user_id', '=', userId)
        .where('organisation_id', '=', organisationId)
        .execute();
    },

    /** Removes the membership and the user's groups in that organisation. */
    async remove(userId: string, organisationId: string): Promise<boolean> {
      await db
        .deleteFrom('group_memberships')
        .where('user_id', '=', userId)
        .where(
          'group_id',
          'in',
          db.selectFrom('groups').select('id').where('organisation_id', '=', organisationId),
        )
        .execute();
      const r = await db
        .deleteFrom('memberships')
        .where('user_id', '=', userId)
        .where('organisation_id', '=', organisationId)
        .executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };
}
