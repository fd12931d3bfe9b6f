/** OpenID Connect and OAuth2 connections per organisation (issue #4). */
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema of their time, not today's.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('oidc_configurations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organisation_id', 'text', (c) =>
      c.notNull().references('organisations.id').onDelete('cascade'),
    )
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('issuer', 'text')
    .addColumn('authorization_endpoint', 'text')
    .addColumn('token_endpoint', 'text')
    .addColumn('userinfo_endpoint', 'text')
    .addColumn('jwks_uri', 'text')
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('client_auth', 'text', (c) => c.notNull())
    .addColumn('client_secret_sealed', 'text')
    .addColumn('private_key_sealed', 'text')
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('use_pkce', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('fetch_userinfo', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('include_client_id', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('extra_headers', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('claims', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('id_token_algorithms', 'text', (c) => c.notNull())
    .addColumn('default_role', 'text', (c) => c.notNull())
    .addColumn('allowed_email_domains', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('user_defaults', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('frontend_url', 'text')
    .addColumn('tenant', 'text')
    .addColumn('graph_endpoint', 'text')
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('api'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('oidc_configurations_org_idx')
    .on('oidc_configurations')
    .column('organisation_id')
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('oidc_configurations').execute();
}
