/**
 * Requests to link an SSO identity to an instance administrator's account: recorded when an
 * IdP asserts an admin's email, confirmed only by that admin signing in by their existing
 * method in the same browser (issue #5), or by another instance admin through the API.
 */
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema of their time, not today's.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('identity_link_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('connection', 'text', (c) => c.notNull())
    .addColumn('connection_name', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('browser_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('identity_link_requests_user_idx')
    .on('identity_link_requests')
    .column('user_id')
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('identity_link_requests').execute();
}
