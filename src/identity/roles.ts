/**
 * Role names. LiteLLM's role names are accepted as aliases wherever a role is read, so a
 * LiteLLM deployment's IdP claims and scripts keep working unchanged.
 */
export const ROLE_ALIASES: Readonly<Record<string, string>> = {
  proxy_admin: 'admin',
  proxy_admin_viewer: 'admin_viewer',
  internal_user: 'member',
  internal_user_viewer: 'member_viewer',
};

/** The canonical role for `value` (trimmed, case-insensitive, alias-resolved), or undefined. */
export function normaliseRole(value: string, roles: readonly string[]): string | undefined {
  const name = value.trim().toLowerCase();
  const canonical = ROLE_ALIASES[name] ?? name;
  return roles.includes(canonical) ? canonical : undefined;
}

/** Roles that may administer an organisation (write). */
export function canAdminister(role: string): boolean {
  return role === 'admin';
}

/** Roles that may read an organisation's administration data. */
export function canViewAdministration(role: string): boolean {
  return role === 'admin' || role === 'admin_viewer';
}
