/**
 * Where a person may be sent after sign-in (`next`, RelayState, frontendUrl): a path on this
 * instance, or a URL on an allowed origin. Everything else falls back to the default, so an
 * attacker cannot use Drawbridge as an open redirect (attacks.md §4.1).
 */

// Backslashes, control characters and whitespace are refused outright: browsers normalise
// `/\evil`, `/\t/evil` and friends into other hosts. Once percent-decoded, a space is harmless
// (`/url%20with%20spaces/`), but a backslash or control character is not (`/%5Cevil`, `%09//evil`).
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const UNSAFE = /[\\\u0000-\u001f\u007f\s]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const UNSAFE_DECODED = /[\\\u0000-\u001f\u007f]/;

/**
 * The safe absolute URL for `candidate`, or `fallback`. `base` is this instance's BASE_URL;
 * `allowedOrigins` are extra app origins (and configuration frontend URLs).
 */
export function safeReturnUrl(
  candidate: string | null | undefined,
  base: string,
  allowedOrigins: readonly string[],
  fallback: string,
): string {
  if (!candidate || candidate.length > 2048) return fallback;
  // Refuse what hides unsafe characters behind percent-encoding (`/%5Cevil`, `/%2F%2Fevil`), at
  // every level of decoding: a consumer that decodes twice must not find `//evil` either.
  const layers = [candidate];
  for (let i = 0; i < 3; i++) {
    let next: string;
    try {
      next = decodeURIComponent(layers[layers.length - 1]!);
    } catch {
      return fallback;
    }
    if (next === layers[layers.length - 1]) break;
    layers.push(next);
  }
  if (UNSAFE.test(candidate) || layers.some((l) => UNSAFE_DECODED.test(l))) return fallback;
  const isPath = candidate.startsWith('/') && layers.every((l) => !l.startsWith('//'));
  let url: URL;
  try {
    url = isPath ? new URL(candidate, base) : new URL(candidate);
  } catch {
    return fallback;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return fallback;
  if (url.username !== '' || url.password !== '') return fallback;
  const origins = new Set([new URL(base).origin, ...allowedOrigins.map((o) => new URL(o).origin)]);
  if (!origins.has(url.origin)) return fallback;
  return url.toString();
}
