/**
 * How every sign-in HTML page is sent: never cached, a locked-down Content-Security-Policy that
 * still shows LOGIN_LOGO_URL, and `Referrer-Policy: same-origin` — with helmet's no-referrer,
 * browsers send `Origin: null` on form posts, which the same-origin check refuses, and a URL
 * holding a token must not travel on in a Referer either.
 */
import type { FastifyReply } from 'fastify';
import type { Config } from '../config/schema.ts';
import type { PageChrome } from './login-page-html.ts';

export interface PageSender {
  chrome: PageChrome;
  send(reply: FastifyReply, html: string, status?: number): FastifyReply;
}

export function pageSender(config: Config): PageSender {
  const images = ["'self'", ...(config.LOGIN_LOGO_URL ? [new URL(config.LOGIN_LOGO_URL).origin] : [])].join(
    ' ',
  );
  // No form-action: a sign-in form's answer redirects on to the person's identity provider,
  // whose origin the page cannot list, and browsers apply form-action to those redirects too.
  const csp = `default-src 'none'; style-src 'self'; img-src ${images}; base-uri 'none'; frame-ancestors 'none'`;
  return {
    chrome: { title: config.LOGIN_PAGE_TITLE, logoUrl: config.LOGIN_LOGO_URL },
    send: (reply, html, status = 200) =>
      reply
        .status(status)
        .header('content-security-policy', csp)
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'same-origin')
        .type('text/html; charset=utf-8')
        .send(html),
  };
}
