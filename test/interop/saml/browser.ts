/**
 * A scripted browser for SAML logins: follows redirects with a cookie jar, submits the IdP's
 * login form once, and stops at the auto-POST form that would carry the SAMLResponse to the SP
 * (the SP itself need not listen). Every request is bounded in time.
 */
import type { RunningIdp, SpDescription } from './common.ts';

export interface SamlPost {
  /** The auto-POST form's action: where the browser would post the response. */
  acsUrl: string;
  /** base64, exactly as it would be posted */
  samlResponse: string;
  relayState: string | null;
  /** the decoded SAMLResponse */
  xml: string;
}

export interface Credentials {
  username: string;
  password: string;
}

/** The IdP showed its login form again after the credentials were submitted. */
export class LoginFailedError extends Error {
  override name = 'LoginFailedError';
}

/**
 * Cookies by host name (as browsers do, ports share cookies; paths and Secure are ignored), so
 * one jar can carry a session through Drawbridge and the IdPs, all on 127.0.0.1.
 */
export class CookieJar {
  #byHost = new Map<string, Map<string, string>>();

  header(url: string | URL): string | undefined {
    const cookies = this.#byHost.get(new URL(url).hostname);
    if (!cookies || cookies.size === 0) return undefined;
    return [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  store(url: string | URL, setCookieHeaders: string[]): void {
    const host = new URL(url).hostname;
    const cookies = this.#byHost.get(host) ?? new Map<string, string>();
    this.#byHost.set(host, cookies);
    for (const header of setCookieHeaders) {
      const [pair = '', ...attributes] = header.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const expired = attributes.some((a) => {
        const [key = '', value = ''] = a.split('=').map((s) => s.trim());
        if (key.toLowerCase() === 'max-age') return Number(value) <= 0;
        if (key.toLowerCase() === 'expires') return Date.parse(value) < Date.now();
        return false;
      });
      if (expired) cookies.delete(name);
      else cookies.set(name, pair.slice(eq + 1).trim());
    }
  }
}

interface Page {
  url: string;
  status: number;
  html: string;
}

const MAX_HOPS = 20;
const REQUEST_TIMEOUT_MS = 10_000;

/** One request, then its redirects; a 303 or a 301/302 after POST turns into a GET. */
async function browse(url: string, jar: CookieJar, form?: URLSearchParams): Promise<Page> {
  let method = form ? 'POST' : 'GET';
  let body: URLSearchParams | undefined = form;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const headers: Record<string, string> = { accept: 'text/html' };
    const cookie = jar.header(url);
    if (cookie) headers.cookie = cookie;
    if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(url, {
      method,
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    jar.store(url, res.headers.getSetCookie());
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      url = new URL(location, url).href;
      if (res.status !== 307 && res.status !== 308) {
        method = 'GET';
        body = undefined;
      }
      continue;
    }
    return { url, status: res.status, html: await res.text() };
  }
  throw new Error(`more than ${MAX_HOPS} redirects, last at ${url}`);
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code =
        ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1));
      return String.fromCodePoint(code);
    }
    return ENTITIES[ref.toLowerCase()] ?? whole;
  });
}

function attributesOf(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([^\s=/<>"']+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/g)) {
    out[(m[1] ?? '').toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return out;
}

interface HtmlForm {
  action: string;
  /** every named input's value (hidden ones included) */
  fields: Map<string, string>;
  usernameField: string | undefined;
  passwordField: string | undefined;
}

function formsOf(page: Page): HtmlForm[] {
  return [...page.html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)].map((m) => {
    const action = attributesOf(m[1] ?? '').action || page.url;
    const form: HtmlForm = {
      action: new URL(action, page.url).href,
      fields: new Map(),
      usernameField: undefined,
      passwordField: undefined,
    };
    for (const input of (m[2] ?? '').matchAll(/<input\b[^>]*>/gi)) {
      const a = attributesOf(input[0]);
      if (!a.name) continue;
      const type = (a.type ?? 'text').toLowerCase();
      if (type === 'password') form.passwordField ??= a.name;
      else if (['text', 'email'].includes(type)) form.usernameField ??= a.name;
      else if (!['submit', 'button', 'checkbox', 'radio'].includes(type))
        form.fields.set(a.name, a.value ?? '');
    }
    return form;
  });
}

function visibleText(html: string): string {
  return decodeEntities(html.replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]+>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 600);
}

/** From a start URL at the IdP to the SAMLResponse form, logging in on the way. */
async function login(startUrl: string, credentials: Credentials, jar: CookieJar): Promise<SamlPost> {
  let page = await browse(startUrl, jar);
  let submitted = false;
  for (;;) {
    const forms = formsOf(page);
    const post = forms.find((f) => f.fields.has('SAMLResponse'));
    if (post) {
      const samlResponse = (post.fields.get('SAMLResponse') ?? '').replace(/\s+/g, '');
      return {
        acsUrl: post.action,
        samlResponse,
        relayState: post.fields.get('RelayState') ?? null,
        xml: Buffer.from(samlResponse, 'base64').toString('utf8'),
      };
    }
    const loginForm = forms.find((f) => f.passwordField !== undefined && f.usernameField !== undefined);
    if (loginForm && submitted) {
      throw new LoginFailedError(`the IdP showed its login form again: ${visibleText(page.html)}`);
    }
    if (!loginForm) {
      throw new Error(
        `no SAMLResponse form and no login form at ${page.url} (HTTP ${page.status}): ${visibleText(page.html)}`,
      );
    }
    const body = new URLSearchParams([...loginForm.fields]);
    body.set(loginForm.usernameField ?? 'username', credentials.username);
    body.set(loginForm.passwordField ?? 'password', credentials.password);
    submitted = true;
    page = await browse(loginForm.action, jar, body);
  }
}

/** Follows an SP's redirect to the IdP (the URL with SAMLRequest), logs in, returns the response form. */
export function completeSpInitiatedLogin(
  redirectUrl: string,
  credentials: Credentials,
  jar: CookieJar = new CookieJar(),
): Promise<SamlPost> {
  return login(redirectUrl, credentials, jar);
}

/** Starts an unsolicited login at the IdP for `sp` and returns the response form (no InResponseTo). */
export function idpInitiatedLogin(
  idp: RunningIdp,
  sp: SpDescription,
  credentials: Credentials,
  relayState?: string,
  jar: CookieJar = new CookieJar(),
): Promise<SamlPost> {
  return login(idp.idpInitiatedUrl(sp.entityId, relayState), credentials, jar);
}
