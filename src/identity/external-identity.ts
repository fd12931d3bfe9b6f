/**
 * What a protocol module hands to the organisation rules once the IdP's message is proven:
 * one normalised shape for SAML, OIDC, OAuth2 and custom sign-in handlers.
 */
export interface Connection {
  protocol: 'saml' | 'oidc' | 'oauth2' | 'custom';
  id: string;
  name: string;
  organisationId: string;
  defaultRole: string;
}

export interface ExternalIdentity {
  connection: Connection;
  /** Stable id at the IdP; external identities are keyed by (connection, subject). */
  subject: string;
  email: string | null;
  /** The IdP vouches that the person controls `email` (OIDC email_verified; SAML: see policy). */
  emailVerified: boolean;
  firstName: string | null;
  lastName: string | null;
  displayName: string | null;
  /** Group ids from the IdP, matched to groups' externalId; null when the IdP sent none. */
  groups: string[] | null;
  /** The raw role claim, validated against the role list by the sign-in rules. */
  role: string | null;
}

/** The key of a connection in external_identities (protocol-qualified so ids never collide). */
export function connectionKey(c: Pick<Connection, 'protocol' | 'id'>): string {
  return `${c.protocol}:${c.id}`;
}
