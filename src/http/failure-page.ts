/**
 * What a person sees when a sign-in is refused: a short readable page with a reference the
 * admin can look up (the login trace id), or the JSON error when the client asked for JSON.
 * The full reason stays in the trace, never on the page.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function wantsJson(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}

export function sendSignInFailure(
  request: FastifyRequest,
  reply: FastifyReply,
  failure: {
    status: number;
    code: string;
    message: string;
    reference: string | null;
    /** What the person can do next (a same-origin link), e.g. confirm an account link. */
    action?: { href: string; label: string };
  },
): FastifyReply {
  reply.status(failure.status);
  if (wantsJson(request)) {
    return reply.send({
      error: {
        code: failure.code,
        message: failure.message,
        ...(failure.reference ? { reference: failure.reference } : {}),
        ...(failure.action ? { next: failure.action.href } : {}),
      },
    });
  }
  const reference = failure.reference
    ? `<p>Reference: <code>${escapeHtml(failure.reference)}</code></p>`
    : '';
  return reply
    .type('text/html; charset=utf-8')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in failed</title>` +
        `<meta name="viewport" content="width=device-width, initial-scale=1"></head>` +
        `<body><main><h1>Sign-in failed</h1><p>${escapeHtml(failure.message)}</p>` +
        `<p>Code: <code>${escapeHtml(failure.code)}</code></p>${reference}` +
        (failure.action
          ? `<p><a href="${escapeHtml(failure.action.href)}">${escapeHtml(failure.action.label)}</a></p>`
          : '') +
        `<p>If this keeps happening, give the reference to your administrator.</p>` +
        `<p><a href="/">Back</a></p></main></body></html>`,
    );
}
