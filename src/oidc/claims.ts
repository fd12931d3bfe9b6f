/**
 * From the provider's claims (ID token merged with userinfo) to the normalised profile the
 * organisation rules take. Claim names are configurable per connection, with dot paths for
 * nested claims (`realm_access.roles`), as LiteLLM's GENERIC_USER_*_ATTRIBUTE allow.
 */
import type { ClaimNames } from './providers.ts';

export interface OidcProfile {
  subject: string | null;
  email: string | null;
  emailVerified: boolean;
  firstName: string | null;
  lastName: string | null;
  displayName: string | null;
  role: string | null;
  /** null when the provider sent no groups claim at all. */
  groups: string[] | null;
  /** Extra attributes copied onto the user (LiteLLM's GENERIC_USER_EXTRA_ATTRIBUTES). */
  extra: Record<string, unknown>;
}

/** Reads `a.b.c`; an exact key containing dots wins over the path (`http://.../claims/x`). */
export function readClaim(claims: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(claims, path)) return claims[path];
  let node: unknown = claims;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null || Array.isArray(node) || !Object.hasOwn(node, part))
      return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function text(v: unknown, max = 512): string | null {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v !== 'string') return null;
  const t = v.trim();
  return t.length > 0 && t.length <= max ? t : null;
}

/** Groups as a list of strings: an array, or one string (some providers flatten single values). */
function stringList(v: unknown): string[] | null {
  if (v === undefined || v === null) return null;
  const items = Array.isArray(v) ? v : [v];
  return items
    .flatMap((x) => {
      const t = text(x, 256);
      return t === null ? [] : [t];
    })
    .slice(0, 1000);
}

/** OIDC Core §5.1: `email_verified` is a boolean; some providers send the string "true". */
function verified(v: unknown): boolean {
  return v === true || v === 'true';
}

export function profileFromClaims(
  claims: Record<string, unknown>,
  names: Required<Omit<ClaimNames, 'extra'>> & { extra: string[] },
): OidcProfile {
  const display = text(readClaim(claims, names.displayName));
  const [firstFromDisplay, ...rest] = display ? display.split(/\s+/) : [];
  const extra: Record<string, unknown> = {};
  for (const path of names.extra) {
    const v = readClaim(claims, path);
    if (v !== undefined) extra[path] = v;
  }
  const email = text(readClaim(claims, names.email), 254);
  return {
    subject: text(readClaim(claims, names.id), 255),
    email: email?.includes('@') ? email : null,
    emailVerified: verified(readClaim(claims, names.emailVerified)),
    firstName: text(readClaim(claims, names.firstName)) ?? firstFromDisplay ?? null,
    lastName: text(readClaim(claims, names.lastName)) ?? (rest.length > 0 ? rest.join(' ') : null),
    displayName: display,
    role: text(readClaim(claims, names.role), 64),
    groups: stringList(readClaim(claims, names.groups)),
    extra,
  };
}

/** LiteLLM's ALLOWED_EMAIL_DOMAINS per connection: empty allows any; otherwise the exact domain, case-insensitively. */
export function emailDomainAllowed(email: string | null, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  if (!email) return false;
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  return allowed.some((d) => d.toLowerCase() === domain);
}
