/**
 * Single sign-on: SAML configurations, the instance's SP keys, pending logins (one use, any
 * instance), the replay cache, and external identities keyed by (connection, subject).
 */
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('saml_configurations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organisation_id', 'text', (c) =>
      c.notNull().references('organisations.id').onDelete('cascade'),
    )
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('allow_idp_initiated', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('idp_metadata_xml', 'text')
    .addColumn('idp_entity_id', 'text')
    .addColumn('idp_sso_redirect_url', 'text')
    .addColumn('idp_sso_post_url', 'text')
    .addColumn('idp_certificates', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('idp_metadata_signers', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('frontend_url', 'text')
    .addColumn('attribute_mappings', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('default_role', 'text', (c) => c.notNull())
    .addColumn('allow_sha1', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('want_assertions_encrypted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('require_signed_assertion', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('sign_authn_requests', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('saml_configurations_org_idx')
    .on('saml_configurations')
    .column('organisation_id')
    .execute();

  await db.schema
    .createTable('sp_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('use', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('certificate_pem', 'text', (c) => c.notNull())
    .addColumn('private_key_sealed', 'text', (c) => c.notNull())
    .addColumn('not_after', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('pending_logins')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('protocol', 'text', (c) => c.notNull())
    .addColumn('configuration_id', 'text', (c) => c.notNull())
    .addColumn('browser_hash', 'text', (c) => c.notNull())
    .addColumn('return_to', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('replay_cache')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('external_identities')
    .addColumn('connection', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('linked_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_login_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('external_identities_pk', ['connection', 'subject'])
    .execute();
  await db.schema
    .createIndex('external_identities_user_idx')
    .on('external_identities')
    .column('user_id')
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'external_identities',
    'replay_cache',
    'pending_logins',
    'sp_keys',
    'saml_configurations',
  ]) {
    await db.schema.dropTable(t).execute();
  }
}
