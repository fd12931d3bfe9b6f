/** The SP-side URLs of a SAML configuration, as Flagsmith documents them (the name is in the path). */
export interface SamlUrls {
  /** SP entity ID: the metadata URL (DESIGN.md). */
  entityId: string;
  acsUrl: string;
  metadataUrl: string;
  loginUrl: string;
}

/** With `forceSsl` (SAML_FORCE_SSL) the URLs are https whatever BASE_URL or proxies say. */
export function samlUrls(baseUrl: string, name: string, forceSsl: boolean): SamlUrls {
  const base = new URL(baseUrl);
  if (forceSsl) base.protocol = 'https:';
  const root = `${base.origin}${base.pathname.replace(/\/+$/, '')}/api/v1/auth/saml/${encodeURIComponent(name)}`;
  return {
    entityId: `${root}/metadata/`,
    acsUrl: `${root}/response/`,
    metadataUrl: `${root}/metadata/`,
    loginUrl: `${root}/login/`,
  };
}
