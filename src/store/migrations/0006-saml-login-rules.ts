/**
 * Per-configuration rules on the login an assertion describes (attacks.md S-SEM-35, S-SEM-38):
 * a maximum assertion age, and the authentication contexts (e.g. MFA) that are required.
 */
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema of their time, not today's.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('saml_configurations')
    .addColumn('max_assertion_age_seconds', 'integer')
    .execute();
  await db.schema
    .alterTable('saml_configurations')
    .addColumn('required_authn_contexts', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('saml_configurations').dropColumn('required_authn_contexts').execute();
  await db.schema.alterTable('saml_configurations').dropColumn('max_assertion_age_seconds').execute();
}
