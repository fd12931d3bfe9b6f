/** pino options: JSON lines, request ids, and never a credential in a log line. */
import type { LoggerOptions } from 'pino';

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.password',
  '*.clientSecret',
  '*.key',
];

/**
 * Query parameters whose values are a sign-in in flight: an authorization code (single-use and
 * PKCE-bound, but still a credential until redeemed), its state, tokens of implicit-style
 * answers, and the SAML messages and signatures of the HTTP-Redirect binding (attacks.md W-HYG-4).
 */
const SECRET_QUERY_PARAMETERS = new Set([
  'code',
  'state',
  'id_token',
  'access_token',
  'token',
  'samlresponse',
  'samlrequest',
  'relaystate',
  'signature',
]);

/** `url` with the values of SECRET_QUERY_PARAMETERS replaced, every other byte as it came. */
export function redactedUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const pairs = url.slice(q + 1).split('&');
  let changed = false;
  for (let i = 0; i < pairs.length; i++) {
    const eq = pairs[i]!.indexOf('=');
    if (eq < 0) continue;
    let name = pairs[i]!.slice(0, eq);
    try {
      name = decodeURIComponent(name);
    } catch {
      // a name that does not decode is logged as it came
    }
    if (SECRET_QUERY_PARAMETERS.has(name.toLowerCase())) {
      pairs[i] = `${pairs[i]!.slice(0, eq)}=[redacted]`;
      changed = true;
    }
  }
  return changed ? `${url.slice(0, q)}?${pairs.join('&')}` : url;
}

interface LoggedRequest {
  method: string;
  url: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    // Fastify's request fields, with the URL's sign-in credentials left out.
    serializers: {
      req: (req: LoggedRequest) => ({
        method: req.method,
        url: redactedUrl(req.url),
        host: req.host,
        remoteAddress: req.ip,
        remotePort: req.socket?.remotePort,
      }),
    },
    base: { service: 'drawbridge' },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
  };
}
