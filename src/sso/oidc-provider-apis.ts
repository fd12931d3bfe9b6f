/**
 * Provider APIs a login may need beyond OpenID Connect: Microsoft Graph for Entra's groups
 * overage, and GitHub's user and email endpoints (GitHub is OAuth2 without ID tokens). Shapes
 * follow the providers' published documentation.
 */
import { SsoFlowError } from './errors.ts';
import type { OutboundFetch } from './outbound-fetch.ts';

const MAX_PAGES = 50;

async function getJson(
  fetch: OutboundFetch,
  url: string,
  accessToken: string,
  what: string,
): Promise<unknown> {
  const r = await fetch(url, {
    headers: {
      authorization: `Bearer ${accessToken}`,
      accept: 'application/json',
      'user-agent': 'Drawbridge-SSO',
    },
  });
  if (r.status !== 200)
    throw new SsoFlowError('oidc_provider_api_failed', `${what} answered HTTP ${r.status}`);
  try {
    return await r.json();
  } catch {
    throw new SsoFlowError('oidc_provider_api_failed', `${what} answered with something other than JSON`);
  }
}

/** Graph's base with its version path (`https://graph.microsoft.us` → `.../v1.0`). */
export function graphBase(endpoint: string | null): string {
  const base = (endpoint ?? 'https://graph.microsoft.com/v1.0').replace(/\/+$/, '');
  return /\/(v1\.0|beta)$/.test(base) ? base : `${base}/v1.0`;
}

/**
 * Entra puts `_claim_names.groups` (or `hasgroups`) in place of the groups claim when a person
 * is in too many groups (the "overage"); the groups are then read from Graph.
 */
export function hasGroupsOverage(claims: Record<string, unknown>): boolean {
  const names = claims._claim_names;
  const overage = typeof names === 'object' && names !== null && Object.hasOwn(names, 'groups');
  return overage || claims.hasgroups === true || claims.hasgroups === 'true';
}

/** The person's group object ids from `GET /me/memberOf`, following every `@odata.nextLink`. */
export async function microsoftGroups(
  fetch: OutboundFetch,
  endpoint: string | null,
  accessToken: string,
): Promise<string[]> {
  const base = graphBase(endpoint);
  const origin = new URL(base).origin;
  let url: string | undefined = `${base}/me/memberOf?$select=id`;
  const ids: string[] = [];
  for (let page = 0; url; page++) {
    if (page >= MAX_PAGES)
      throw new SsoFlowError('oidc_provider_api_failed', 'Microsoft Graph returned too many pages');
    // A nextLink elsewhere than Graph itself would make us carry the token to another host.
    if (new URL(url).origin !== origin)
      throw new SsoFlowError('oidc_provider_api_failed', 'Microsoft Graph pointed to another host');
    const body = (await getJson(fetch, url, accessToken, 'Microsoft Graph')) as {
      value?: unknown;
      '@odata.nextLink'?: unknown;
    };
    if (!Array.isArray(body.value))
      throw new SsoFlowError('oidc_provider_api_failed', 'Microsoft Graph sent no value list');
    for (const item of body.value as Array<Record<string, unknown>>) {
      if (item?.['@odata.type'] === '#microsoft.graph.group' && typeof item.id === 'string')
        ids.push(item.id);
    }
    url = typeof body['@odata.nextLink'] === 'string' ? body['@odata.nextLink'] : undefined;
  }
  return ids;
}

/** GitHub's profile (`GET /user`) with the primary email only when GitHub marks it verified (`GET /user/emails`). */
export async function githubProfile(
  fetch: OutboundFetch,
  userUrl: string,
  accessToken: string,
): Promise<Record<string, unknown>> {
  const user = await getJson(fetch, userUrl, accessToken, 'GitHub');
  if (typeof user !== 'object' || user === null || Array.isArray(user))
    throw new SsoFlowError('oidc_provider_api_failed', 'GitHub sent no user object');
  const emails = await getJson(fetch, `${userUrl.replace(/\/+$/, '')}/emails`, accessToken, 'GitHub');
  const list = Array.isArray(emails) ? (emails as Array<Record<string, unknown>>) : [];
  const primary = list.find(
    (e) => e?.primary === true && e?.verified === true && typeof e.email === 'string',
  );
  const { email: _public, ...rest } = user as Record<string, unknown>;
  return {
    ...rest,
    email: primary?.email ?? null,
    email_verified: primary !== undefined,
  };
}

/** OIDC Core §5.3: the userinfo answer, which must be a JSON object. */
export async function readUserinfo(
  fetch: OutboundFetch,
  url: string,
  accessToken: string,
): Promise<Record<string, unknown>> {
  const r = await fetch(url, {
    headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
  });
  // OIDC Core §5.3.2: a userinfo answer is JSON (or a JWT, which we do not request); anything else is refused.
  const type = r.headers.get('content-type') ?? '';
  if (r.status !== 200 || !/^application\/json\b/i.test(type)) {
    throw new SsoFlowError(
      'oidc_userinfo_failed',
      `The userinfo endpoint answered HTTP ${r.status} (${type || 'no type'})`,
    );
  }
  const body = (await r.json().catch(() => null)) as unknown;
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new SsoFlowError('oidc_userinfo_failed', 'The userinfo answer is not a JSON object');
  return body as Record<string, unknown>;
}
