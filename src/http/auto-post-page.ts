/**
 * An auto-submitting form (SAML HTTP-POST binding): the browser posts `fields` to `action`.
 * The submit script is a same-origin file so the page needs no inline script, and the
 * page's Content-Security-Policy allows form submission to that one origin only.
 */
import type { FastifyReply } from 'fastify';
import type { App } from './context.ts';

export const AUTO_SUBMIT_SCRIPT_PATH = '/assets/auto-submit.js';

const escapeAttribute = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function sendAutoPost(
  reply: FastifyReply,
  action: string,
  fields: Record<string, string>,
): FastifyReply {
  const inputs = Object.entries(fields)
    .map(
      ([name, value]) =>
        `<input type="hidden" name="${escapeAttribute(name)}" value="${escapeAttribute(value)}">`,
    )
    .join('');
  reply.header(
    'content-security-policy',
    `default-src 'none'; script-src 'self'; form-action ${new URL(action).origin}; base-uri 'none'; frame-ancestors 'none'`,
  );
  return reply
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Signing in…</title>` +
        `<script src="${AUTO_SUBMIT_SCRIPT_PATH}" defer></script></head><body>` +
        `<form method="post" action="${escapeAttribute(action)}" data-auto-submit>${inputs}` +
        `<noscript><p>JavaScript is off: press the button to continue.</p></noscript>` +
        `<button type="submit">Continue to your identity provider</button></form></body></html>`,
    );
}

/** The tiny script that submits forms marked `data-auto-submit`. */
export function registerAutoSubmitScript(app: App): void {
  app.get(AUTO_SUBMIT_SCRIPT_PATH, { schema: { hide: true } }, async (_request, reply) =>
    reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=3600')
      .send("document.querySelectorAll('form[data-auto-submit]').forEach(function (f) { f.submit(); });\n"),
  );
}
