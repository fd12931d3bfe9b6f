/**
 * Reads who the person is from a validated assertion's NameID and attributes, with the
 * default attribute names real IdPs use (Okta/Shibboleth basic names, LDAP OIDs, the claim
 * URIs of ADFS and Entra ID), each overridable per configuration (`attributeMappings`).
 */
export type MappedField = 'id' | 'email' | 'firstName' | 'lastName' | 'displayName' | 'groups' | 'role';
export type AttributeMappings = Partial<Record<MappedField, string>>;

const CLAIMS = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';

/** Default names per field, first match wins (the SAML issue's lists). */
export const DEFAULT_ATTRIBUTE_NAMES: Readonly<Record<MappedField, readonly string[]>> = {
  id: ['urn:oasis:names:tc:SAML:attribute:subject-id', 'uid', 'urn:oid:0.9.2342.19200300.100.1.1'],
  email: ['mail', 'email', 'emailAddress', 'urn:oid:0.9.2342.19200300.100.1.3', `${CLAIMS}/emailaddress`],
  firstName: ['gn', 'givenName', 'urn:oid:2.5.4.42', `${CLAIMS}/givenname`],
  lastName: ['sn', 'surname', 'urn:oid:2.5.4.4', `${CLAIMS}/surname`],
  displayName: [
    'displayName',
    'urn:oid:2.16.840.1.113730.3.1.241',
    'http://schemas.microsoft.com/identity/claims/displayname',
  ],
  groups: ['groups'],
  role: ['role'],
};

const ENTRA_GROUPS = 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups';
const EMAIL_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';

export interface SamlProfile {
  subject: string | null;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  displayName: string | null;
  groups: string[] | null;
  role: string | null;
  /** Facts for the admin's trace, e.g. an Entra groups claim that no mapping reads. */
  notes: string[];
}

function values(
  attributes: Record<string, string[]>,
  field: MappedField,
  mappings: AttributeMappings,
): string[] | undefined {
  const custom = mappings[field];
  const names = custom ? [custom] : DEFAULT_ATTRIBUTE_NAMES[field];
  for (const name of names) {
    const v = attributes[name]?.map((s) => s.trim()).filter((s) => s !== '');
    if (v && v.length > 0) return v;
  }
  return undefined;
}

/** The normalised profile; the display name fills missing first/last names (first word, rest). */
export function profileFromAssertion(
  assertion: { nameId: string | null; nameIdFormat: string | null; attributes: Record<string, string[]> },
  mappings: AttributeMappings,
): SamlProfile {
  const { attributes } = assertion;
  const notes: string[] = [];
  const one = (field: MappedField) => values(attributes, field, mappings)?.[0] ?? null;
  const displayName = one('displayName');
  const [first, ...rest] = displayName?.split(/\s+/) ?? [];
  let email = one('email');
  if (!email && assertion.nameIdFormat === EMAIL_FORMAT && assertion.nameId) email = assertion.nameId;
  const groups = values(attributes, 'groups', mappings) ?? null;
  if (!mappings.groups && attributes[ENTRA_GROUPS]) {
    notes.push(
      `Entra ID sent groups as ${ENTRA_GROUPS}; set attributeMappings.groups to that name to use them`,
    );
  }
  return {
    subject: one('id') ?? assertion.nameId,
    email,
    firstName: one('firstName') ?? first ?? null,
    lastName: one('lastName') ?? (rest.length > 0 ? rest.join(' ') : null),
    displayName,
    groups,
    role: one('role'),
    notes,
  };
}
