/** Setting up a running server for a benchmark through its admin API, with the benchmark's admin key. */
import { ADMIN_KEY } from './server-process.ts';

/** POSTs `body` as JSON to `path` and returns the parsed answer; any other status than `status` throws. */
export async function adminPost(
  baseUrl: string,
  path: string,
  body: unknown,
  status = 201,
): Promise<unknown> {
  const res = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Api-Key ${ADMIN_KEY}` },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (res.status !== status) throw new Error(`POST ${path}: expected ${status}, got ${res.status}: ${text}`);
  return JSON.parse(text) as unknown;
}

/** The SSO benchmarks' organisation, with one group per name whose externalId is that name; its id. */
export async function benchOrganisation(baseUrl: string, groups: readonly string[]): Promise<string> {
  const org = (await adminPost(baseUrl, '/api/v1/organisations', {
    name: 'Acme Bench',
    slug: 'acme-bench',
  })) as {
    id: string;
  };
  for (const name of groups) {
    await adminPost(baseUrl, `/api/v1/organisations/${org.id}/groups`, { name, externalId: name });
  }
  return org.id;
}
