/**
 * A scripted browser for the provider's side of an OIDC login: follows the authorization
 * request through oidc-provider's login and consent pages, and stops at the redirect back to
 * Drawbridge (which the test then delivers to the app).
 */
import { CookieJar } from '../saml/browser.ts';

const TIMEOUT_MS = 10_000;

async function go(jar: CookieJar, url: string, form?: URLSearchParams): Promise<Response> {
  const headers: Record<string, string> = { accept: 'text/html' };
  const cookie = jar.header(url);
  if (cookie) headers.cookie = cookie;
  if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
  const res = await fetch(url, {
    method: form ? 'POST' : 'GET',
    headers,
    ...(form ? { body: form } : {}),
    redirect: 'manual',
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  jar.store(url, res.headers.getSetCookie());
  return res;
}

/**
 * Logs `login` in at the provider and returns the URL the provider redirects the browser to
 * (starting with `stopAt`): the callback with code and state, or with an error.
 */
export async function authorizeAtProvider(
  authorizationUrl: string,
  login: string,
  stopAt: string,
  jar = new CookieJar(),
): Promise<string> {
  let url = authorizationUrl;
  let form: URLSearchParams | undefined;
  for (let hop = 0; hop < 30; hop++) {
    const res = await go(jar, url, form);
    form = undefined;
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      const next = new URL(location, url).href;
      if (next.startsWith(stopAt)) return next;
      url = next;
      continue;
    }
    const html = await res.text();
    const action = html.match(/<form[^>]*action="([^"]+)"/)?.[1];
    const prompt = html.match(/name="prompt" value="([^"]+)"/)?.[1];
    if (!action || !prompt) throw new Error(`unexpected provider page (HTTP ${res.status}) at ${url}`);
    form = new URLSearchParams({ prompt });
    if (prompt === 'login') {
      form.set('login', login);
      form.set('password', 'any');
    }
    url = new URL(action, url).href;
  }
  throw new Error('the provider never redirected back');
}
