/**
 * The login page's HTML: plain forms that work without JavaScript, labelled fields, errors
 * announced to screen readers, and a look themed by CSS custom properties (LOGIN_THEME) and a
 * logo (LOGIN_LOGO_URL). Pure: a model in, a document out; every value is escaped.
 */

export const LOGIN_STYLE_PATH = '/login/style.css';

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export interface PageChrome {
  title: string;
  logoUrl: string | undefined;
}

export interface LoginModel {
  step: 'email' | 'password' | 'sso-name';
  next: string;
  csrf: string;
  email?: string;
  ssoName?: string;
  /** A refusal or a hint, shown above the form and announced (role=alert). */
  message?: string;
  socialButtons: Array<{ href: string; label: string }>;
  /** Whether to offer the "Single Sign-On" link (always, except on the name prompt itself). */
  ssoLink: string | null;
}

function hidden(name: string, value: string): string {
  return `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
}

function document(chrome: PageChrome, heading: string, body: string): string {
  const logo = chrome.logoUrl ? `<img class="logo" src="${escapeHtml(chrome.logoUrl)}" alt="">` : '';
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${escapeHtml(heading)}</title><link rel="stylesheet" href="${LOGIN_STYLE_PATH}"></head>` +
    `<body><main class="card">${logo}<h1>${escapeHtml(heading)}</h1>${body}</main></body></html>`
  );
}

function messageBlock(message: string | undefined): string {
  return message ? `<p class="message" role="alert" id="message">${escapeHtml(message)}</p>` : '';
}

export function renderLogin(chrome: PageChrome, m: LoginModel): string {
  const describedBy = m.message ? ' aria-describedby="message" aria-invalid="true"' : '';
  const common = hidden('next', m.next) + hidden('csrf', m.csrf);
  let form: string;
  if (m.step === 'email') {
    form =
      `<form method="post" action="/login" novalidate>${common}` +
      `<label for="email">Email</label>` +
      `<input id="email" name="email" type="email" autocomplete="username" required autofocus` +
      ` value="${escapeHtml(m.email ?? '')}"${describedBy}>` +
      `<button type="submit">Continue</button></form>`;
  } else if (m.step === 'password') {
    form =
      `<form method="post" action="/login/password">${common}` +
      `<label for="email">Email</label>` +
      `<input id="email" name="email" type="email" autocomplete="username" required value="${escapeHtml(m.email ?? '')}">` +
      `<label for="password">Password</label>` +
      `<input id="password" name="password" type="password" autocomplete="current-password" required autofocus${describedBy}>` +
      `<button type="submit">Sign in</button></form>` +
      `<p><a href="/login?next=${encodeURIComponent(m.next)}">Use another email</a></p>`;
  } else {
    form =
      `<form method="post" action="/login/sso">${common}` +
      `<label for="name">Single sign-on name</label>` +
      `<p class="hint" id="name-hint">Your administrator gives you this name (for example <code>acme-okta</code>).</p>` +
      `<input id="name" name="name" type="text" autocomplete="organization" required autofocus` +
      ` aria-describedby="name-hint${m.message ? ' message' : ''}" value="${escapeHtml(m.ssoName ?? '')}">` +
      `<button type="submit">Continue</button></form>` +
      `<p><a href="/login?next=${encodeURIComponent(m.next)}">Back to email sign-in</a></p>`;
  }
  const social =
    m.socialButtons.length > 0
      ? `<nav class="social" aria-label="Other ways to sign in">${m.socialButtons
          .map((b) => `<a class="button" href="${escapeHtml(b.href)}">${escapeHtml(b.label)}</a>`)
          .join('')}</nav>`
      : '';
  const sso = m.ssoLink ? `<p class="sso"><a href="${escapeHtml(m.ssoLink)}">Single Sign-On</a></p>` : '';
  const heading = m.step === 'sso-name' ? 'Single Sign-On' : chrome.title;
  return document(chrome, heading, messageBlock(m.message) + form + sso + social);
}

export interface SignedInModel {
  email: string;
  name: string;
  organisation: string | null;
  role: string | null;
  csrf: string;
}

export function renderSignedIn(chrome: PageChrome, m: SignedInModel): string {
  const where = m.organisation
    ? ` in <strong>${escapeHtml(m.organisation)}</strong> (${escapeHtml(m.role ?? '')})`
    : '';
  return document(
    chrome,
    'Signed in',
    `<p id="signed-in">You are signed in as <strong>${escapeHtml(m.name || m.email)}</strong> ` +
      `&lt;${escapeHtml(m.email)}&gt;${where}.</p>` +
      `<form method="post" action="/logout">${hidden('csrf', m.csrf)}<button type="submit">Sign out</button></form>`,
  );
}

export interface LinkModel {
  requestId: string;
  connectionName: string;
  email: string;
  csrf: string;
  /** Signed in by the existing method already: ask to confirm; else ask for the password first. */
  signedIn: boolean;
  message?: string;
  done?: 'linked' | 'cancelled';
}

/** Confirming that an SSO identity may sign in to an administrator's account. */
export function renderLinkConfirmation(chrome: PageChrome, m: LinkModel): string {
  const heading = 'Link single sign-on';
  if (m.done) {
    const text =
      m.done === 'linked'
        ? `Done: you can now sign in with ${m.connectionName}.`
        : 'Nothing was linked. Your account is unchanged.';
    return document(
      chrome,
      heading,
      `<p role="status">${escapeHtml(text)}</p><p><a href="/">Continue</a></p>`,
    );
  }
  const fields = hidden('request', m.requestId) + hidden('csrf', m.csrf);
  const intro =
    `<p>Someone just signed in with <strong>${escapeHtml(m.connectionName)}</strong> as ` +
    `<strong>${escapeHtml(m.email)}</strong>, an administrator account. That sign-in is linked only if ` +
    `you confirm it here with your existing password.</p>`;
  const body = m.signedIn
    ? `<form method="post" action="/login/link">${fields}` +
      `<button type="submit" name="decision" value="confirm">Link ${escapeHtml(m.connectionName)} to my account</button>` +
      `<button type="submit" name="decision" value="cancel" class="secondary">Do not link</button></form>`
    : `<form method="post" action="/login/link">${fields}${hidden('decision', 'sign-in')}` +
      `<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" readonly value="${escapeHtml(m.email)}">` +
      `<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required autofocus>` +
      `<button type="submit">Sign in to confirm</button></form>`;
  return document(chrome, heading, messageBlock(m.message) + intro + body);
}

export interface SetPasswordModel {
  purpose: 'invitation' | 'reset';
  action: string;
  token: string;
  csrf: string;
  minLength: number;
  message?: string;
  done?: boolean;
}

/** Choosing a password from an invitation or reset link. */
export function renderSetPassword(chrome: PageChrome, m: SetPasswordModel): string {
  const heading = m.purpose === 'invitation' ? 'Choose your password' : 'Choose a new password';
  if (m.done) {
    return document(
      chrome,
      heading,
      '<p role="status">Your password is set.</p><p><a href="/login">Sign in</a></p>',
    );
  }
  const describedBy = m.message ? ' aria-describedby="rules message"' : ' aria-describedby="rules"';
  return document(
    chrome,
    heading,
    messageBlock(m.message) +
      `<form method="post" action="${escapeHtml(m.action)}">${hidden('token', m.token)}${hidden('csrf', m.csrf)}` +
      `<p class="hint" id="rules">At least ${m.minLength} characters. A few unusual words make a good password; very common passwords are refused.</p>` +
      `<label for="password">New password</label>` +
      `<input id="password" name="password" type="password" autocomplete="new-password" required minlength="${m.minLength}" autofocus${describedBy}>` +
      `<label for="confirm">Repeat it</label>` +
      `<input id="confirm" name="confirm" type="password" autocomplete="new-password" required>` +
      `<button type="submit">Set password</button></form>`,
  );
}

/** The page's stylesheet: accessible defaults, overridable by LOGIN_THEME custom properties. */
export function loginStylesheet(theme: string | undefined): string {
  return `:root{--accent:#1f5fbf;--accent-text:#fff;--background:#f4f5f7;--surface:#fff;--text:#1c1e21;--muted:#4b5563;--error:#a4161a;--radius:8px;--font:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
:root{${theme ?? ''}}
*{box-sizing:border-box}body{margin:0;min-height:100vh;display:grid;place-items:center;background:var(--background);color:var(--text);font:16px/1.5 var(--font)}
.card{width:min(26rem,92vw);background:var(--surface);padding:2rem;border-radius:var(--radius);box-shadow:0 1px 3px rgba(0,0,0,.12)}
.logo{max-height:3rem;display:block;margin-bottom:1rem}h1{font-size:1.5rem;margin:0 0 1rem}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}input{width:100%;padding:.6rem .75rem;font:inherit;border:1px solid var(--muted);border-radius:calc(var(--radius)/2)}
input:focus,button:focus,a:focus{outline:3px solid var(--accent);outline-offset:2px}
button,.button{display:block;width:100%;margin-top:1rem;padding:.65rem;font:inherit;font-weight:600;text-align:center;text-decoration:none;border:0;border-radius:calc(var(--radius)/2);background:var(--accent);color:var(--accent-text);cursor:pointer}
.secondary{background:var(--surface);color:var(--text);border:1px solid var(--muted)}
.social .button{background:var(--surface);color:var(--text);border:1px solid var(--muted)}
.message{color:var(--error);font-weight:600;margin:0 0 .5rem}.hint{color:var(--muted);margin:0 0 .25rem;font-size:.9rem}
a{color:var(--accent)}.sso{margin-top:1rem;text-align:center}
`;
}
