/** SAML configurations: several per organisation, each with a globally unique, immutable name. */
import type { Kysely, Selectable, Updateable } from 'kysely';
import { translateConstraints } from '../errors.ts';
import { hotQuery } from '../hot-query.ts';
import { newId } from '../ids.ts';
import type { Database, SamlConfigurationsTable } from '../schema.ts';

export type AttributeMappings = Partial<
  Record<'id' | 'email' | 'firstName' | 'lastName' | 'displayName' | 'groups' | 'role', string>
>;

export interface SamlConfiguration {
  id: string;
  organisationId: string;
  name: string;
  enabled: boolean;
  allowIdpInitiated: boolean;
  idpMetadataXml: string | null;
  idpEntityId: string | null;
  idpSsoRedirectUrl: string | null;
  idpSsoPostUrl: string | null;
  idpCertificates: string[];
  /** When not empty, IdP metadata must be signed by one of these certificates (PEM). */
  idpMetadataSigners: string[];
  frontendUrl: string | null;
  attributeMappings: AttributeMappings;
  defaultRole: string;
  allowSha1: boolean;
  wantAssertionsEncrypted: boolean;
  requireSignedAssertion: boolean;
  signAuthnRequests: boolean;
  /** Refuse assertions older than this (S-SEM-35); null: no limit. */
  maxAssertionAgeSeconds: number | null;
  /** When not empty, the AuthnContextClassRef must be one of these (S-SEM-38). */
  requiredAuthnContexts: string[];
  createdAt: number;
  updatedAt: number;
}

export type SamlConfigurationInput = Omit<
  SamlConfiguration,
  'id' | 'organisationId' | 'createdAt' | 'updatedAt'
>;

/** What a login needs: everything but the IdP metadata document it was read from. */
export type LoginConfiguration = Omit<SamlConfiguration, 'idpMetadataXml'>;

const LOGIN_COLUMNS = [
  'id',
  'organisation_id',
  'name',
  'enabled',
  'allow_idp_initiated',
  'idp_entity_id',
  'idp_sso_redirect_url',
  'idp_sso_post_url',
  'idp_certificates',
  'idp_metadata_signers',
  'frontend_url',
  'attribute_mappings',
  'default_role',
  'allow_sha1',
  'want_assertions_encrypted',
  'require_signed_assertion',
  'sign_authn_requests',
  'max_assertion_age_seconds',
  'required_authn_contexts',
  'created_at',
  'updated_at',
] as const satisfies ReadonlyArray<keyof SamlConfigurationsTable>;

function toConfiguration(r: Selectable<SamlConfigurationsTable>): SamlConfiguration {
  return { ...toLoginConfiguration(r), idpMetadataXml: r.idp_metadata_xml };
}

function toLoginConfiguration(
  r: Omit<Selectable<SamlConfigurationsTable>, 'idp_metadata_xml'>,
): LoginConfiguration {
  return {
    id: r.id,
    organisationId: r.organisation_id,
    name: r.name,
    enabled: r.enabled === 1,
    allowIdpInitiated: r.allow_idp_initiated === 1,
    idpEntityId: r.idp_entity_id,
    idpSsoRedirectUrl: r.idp_sso_redirect_url,
    idpSsoPostUrl: r.idp_sso_post_url,
    idpCertificates: JSON.parse(r.idp_certificates) as string[],
    idpMetadataSigners: JSON.parse(r.idp_metadata_signers) as string[],
    frontendUrl: r.frontend_url,
    attributeMappings: JSON.parse(r.attribute_mappings) as AttributeMappings,
    defaultRole: r.default_role,
    allowSha1: r.allow_sha1 === 1,
    wantAssertionsEncrypted: r.want_assertions_encrypted === 1,
    requireSignedAssertion: r.require_signed_assertion === 1,
    signAuthnRequests: r.sign_authn_requests === 1,
    maxAssertionAgeSeconds: r.max_assertion_age_seconds === null ? null : Number(r.max_assertion_age_seconds),
    requiredAuthnContexts: JSON.parse(r.required_authn_contexts) as string[],
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toRow(c: Partial<SamlConfigurationInput>): Updateable<SamlConfigurationsTable> {
  const row: Updateable<SamlConfigurationsTable> = {};
  const flag = (v: boolean) => (v ? 1 : 0);
  if (c.name !== undefined) row.name = c.name;
  if (c.enabled !== undefined) row.enabled = flag(c.enabled);
  if (c.allowIdpInitiated !== undefined) row.allow_idp_initiated = flag(c.allowIdpInitiated);
  if (c.idpMetadataXml !== undefined) row.idp_metadata_xml = c.idpMetadataXml;
  if (c.idpEntityId !== undefined) row.idp_entity_id = c.idpEntityId;
  if (c.idpSsoRedirectUrl !== undefined) row.idp_sso_redirect_url = c.idpSsoRedirectUrl;
  if (c.idpSsoPostUrl !== undefined) row.idp_sso_post_url = c.idpSsoPostUrl;
  if (c.idpCertificates !== undefined) row.idp_certificates = JSON.stringify(c.idpCertificates);
  if (c.idpMetadataSigners !== undefined) row.idp_metadata_signers = JSON.stringify(c.idpMetadataSigners);
  if (c.frontendUrl !== undefined) row.frontend_url = c.frontendUrl;
  if (c.attributeMappings !== undefined) row.attribute_mappings = JSON.stringify(c.attributeMappings);
  if (c.defaultRole !== undefined) row.default_role = c.defaultRole;
  if (c.allowSha1 !== undefined) row.allow_sha1 = flag(c.allowSha1);
  if (c.wantAssertionsEncrypted !== undefined)
    row.want_assertions_encrypted = flag(c.wantAssertionsEncrypted);
  if (c.requireSignedAssertion !== undefined) row.require_signed_assertion = flag(c.requireSignedAssertion);
  if (c.signAuthnRequests !== undefined) row.sign_authn_requests = flag(c.signAuthnRequests);
  if (c.maxAssertionAgeSeconds !== undefined) row.max_assertion_age_seconds = c.maxAssertionAgeSeconds;
  if (c.requiredAuthnContexts !== undefined)
    row.required_authn_contexts = JSON.stringify(c.requiredAuthnContexts);
  return row;
}

export function samlConfigurationsRepository(db: Kysely<Database>) {
  // Every SAML login and ACS request reads its configuration, without the metadata XML (kilobytes
  // that the login does not use). Read fresh each time: an edit or a switch-off on any instance
  // applies to the next login everywhere.
  const forLoginQuery = hotQuery(db, 1, (p) =>
    db.selectFrom('saml_configurations').select(LOGIN_COLUMNS).where('name', '=', p(0)),
  );
  return {
    async create(organisationId: string, input: SamlConfigurationInput): Promise<SamlConfiguration> {
      const now = Date.now();
      const id = newId();
      await translateConstraints('a SAML configuration with this name', () =>
        db
          .insertInto('saml_configurations')
          .values({
            ...(toRow(input) as Selectable<SamlConfigurationsTable>),
            id,
            organisation_id: organisationId,
            created_at: now,
            updated_at: now,
          })
          .execute(),
      );
      return (await this.getById(id))!;
    },

    async getById(id: string): Promise<SamlConfiguration | undefined> {
      const r = await db
        .selectFrom('saml_configurations')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return r && toConfiguration(r);
    },

    /** By its globally unique name (the ACS URL carries it). */
    async getByName(name: string): Promise<SamlConfiguration | undefined> {
      const r = await db
        .selectFrom('saml_configurations')
        .selectAll()
        .where('name', '=', name)
        .executeTakeFirst();
      return r && toConfiguration(r);
    },

    /** By name, for a login (see LoginConfiguration). */
    async getForLogin(name: string): Promise<LoginConfiguration | undefined> {
      const [r] = await forLoginQuery(name);
      return r && toLoginConfiguration(r);
    },

    async list(organisationId: string): Promise<SamlConfiguration[]> {
      const rows = await db
        .selectFrom('saml_configurations')
        .selectAll()
        .where('organisation_id', '=', organisationId)
        .orderBy('name')
        .execute();
      return rows.map(toConfiguration);
    },

    async update(id: string, patch: Partial<SamlConfigurationInput>): Promise<SamlConfiguration | undefined> {
      const { name: _immutable, ...rest } = patch;
      await db
        .updateTable('saml_configurations')
        .set({ ...toRow(rest), updated_at: Date.now() })
        .where('id', '=', id)
        .execute();
      return this.getById(id);
    },

    async delete(id: string): Promise<boolean> {
      const r = await db.deleteFrom('saml_configurations').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };
}
