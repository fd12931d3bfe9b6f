/** Organisations: the tenants whose users log in through their own IdPs. */
import type { Kysely, Selectable } from 'kysely';
import { translateConstraints } from '../errors.ts';
import { decodeCursor, encodeCursor, newId } from '../ids.ts';
import type { Database, OrganisationsTable } from '../schema.ts';

export interface Organisation {
  id: string;
  name: string;
  slug: string;
  createdAt: number;
  updatedAt: number;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

function toOrganisation(r: Selectable<OrganisationsTable>): Organisation {
  return { id: r.id, name: r.name, slug: r.slug, createdAt: r.created_at, updatedAt: r.updated_at };
}

export function organisationsRepository(db: Kysely<Database>) {
  return {
    async create(input: { name: string; slug: string }): Promise<Organisation> {
      const now = Date.now();
      const row = { id: newId(), name: input.name, slug: input.slug, created_at: now, updated_at: now };
      await translateConstraints('an organisation with this slug', () =>
        db.insertInto('organisations').values(row).execute(),
      );
      return toOrganisation(row);
    },

    async get(id: string): Promise<Organisation | undefined> {
      const r = await db.selectFrom('organisations').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toOrganisation(r);
    },

    async getBySlug(slug: string): Promise<Organisation | undefined> {
      const r = await db.selectFrom('organisations').selectAll().where('slug', '=', slug).executeTakeFirst();
      return r && toOrganisation(r);
    },

    /** Pages by slug; `onlyIds` restricts the list to the organisations a caller may see. */
    async list(opts: { limit: number; cursor?: string; onlyIds?: string[] }): Promise<Page<Organisation>> {
      let q = db
        .selectFrom('organisations')
        .selectAll()
        .orderBy('slug')
        .limit(opts.limit + 1);
      const after = decodeCursor(opts.cursor);
      if (after !== undefined) q = q.where('slug', '>', after);
      if (opts.onlyIds) {
        if (opts.onlyIds.length === 0) return { items: [], nextCursor: null };
        q = q.where('id', 'in', opts.onlyIds);
      }
      const rows = await q.execute();
      const items = rows.slice(0, opts.limit).map(toOrganisation);
      const last = items.at(-1);
      return { items, nextCursor: rows.length > opts.limit && last ? encodeCursor(last.slug) : null };
    },

    async update(id: string, patch: { name?: string; slug?: string }): Promise<Organisation | undefined> {
      const values = { ...patch, updated_at: Date.now() };
      await translateConstraints('an organisation with this slug', () =>
        db.updateTable('organisations').set(values).where('id', '=', id).execute(),
      );
      return this.get(id);
    },

    async delete(id: string): Promise<boolean> {
      const r = await db.deleteFrom('organisations').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };
}
