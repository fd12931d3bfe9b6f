/** Email domains an organisation claims; verified domains can enforce SSO for their emails. */
import { randomBytes } from 'node:crypto';
import type { Kysely, Selectable, Updateable } from 'kysely';
import { translateConstraints } from '../errors.ts';
import { newId, normaliseDomain } from '../ids.ts';
import type { Database, EmailDomainsTable } from '../schema.ts';

export interface EmailDomain {
  id: string;
  organisationId: string;
  domain: string;
  verified: boolean;
  enforceSso: boolean;
  verificationToken: string;
  createdAt: number;
  updatedAt: number;
}

function toDomain(r: Selectable<EmailDomainsTable>): EmailDomain {
  return {
    id: r.id,
    organisationId: r.organisation_id,
    domain: r.domain,
    verified: r.verified === 1,
    enforceSso: r.enforce_sso === 1,
    verificationToken: r.verification_token,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function domainsRepository(db: Kysely<Database>) {
  return {
    async create(
      organisationId: string,
      input: { domain: string; verified?: boolean; enforceSso?: boolean },
    ): Promise<EmailDomain> {
      const now = Date.now();
      const row = {
        id: newId(),
        organisation_id: organisationId,
        domain: normaliseDomain(input.domain),
        verified: input.verified ? 1 : 0,
        enforce_sso: input.enforceSso ? 1 : 0,
        verification_token: randomBytes(18).toString('base64url'),
        created_at: now,
        updated_at: now,
      };
      await translateConstraints('this email domain', () =>
        db.insertInto('email_domains').values(row).execute(),
      );
      return toDomain(row);
    },

    async get(organisationId: string, id: string): Promise<EmailDomain | undefined> {
      const r = await db
        .selectFrom('email_domains')
        .selectAll()
        .where('organisation_id', '=', organisationId)
        .where('id', '=', id)
        .executeTakeFirst();
      return r && toDomain(r);
    },

    async getByDomain(domain: string): Promise<EmailDomain | undefined> {
      const r = await db
        .selectFrom('email_domains')
        .selectAll()
        .where('domain', '=', normaliseDomain(domain))
        .executeTakeFirst();
      return r && toDomain(r);
    },

    async list(organisationId: string): Promise<EmailDomain[]> {
      const rows = await db
        .selectFrom('email_domains')
        .selectAll()
        .where('organisation_id', '=', organisationId)
        .orderBy('domain')
        .execute();
      return rows.map(toDomain);
    },

    async update(
      organisationId: string,
      id: string,
      patch: { verified?: boolean; enforceSso?: boolean },
    ): Promise<EmailDomain | undefined> {
      const values: Updateable<EmailDomainsTable> = { updated_at: Date.now() };
      if (patch.verified !== undefined) values.verified = patch.verified ? 1 : 0;
      if (patch.enforceSso !== undefined) values.enforce_sso = patch.enforceSso ? 1 : 0;
      await db
        .updateTable('email_domains')
        .set(values)
        .where('organisation_id', '=', organisationId)
        .where('id', '=', id)
        .execute();
      return this.get(organisationId, id);
    },

    async delete(organisationId: string, id: string): Promise<boolean> {
      const r = await db
        .deleteFrom('email_domains')
        .where('organisation_id', '=', organisationId)
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };
}
