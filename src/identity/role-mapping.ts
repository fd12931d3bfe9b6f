/** Which role a person gets in an organisation from an SSO login (one rule, every protocol). */
import { normaliseRole } from './roles.ts';

/**
 * The role claim when it names a valid role (aliases included); else the highest-ranked role
 * among the person's matched groups (rank = position in the role list, first is highest);
 * else undefined, and the caller keeps the current role or uses the configuration's default.
 */
export function roleFromClaims(
  roleClaim: string | null,
  groupRoles: readonly (string | null)[],
  roles: readonly string[],
): string | undefined {
  if (roleClaim) {
    const role = normaliseRole(roleClaim, roles);
    if (role) return role;
  }
  let best: string | undefined;
  for (const g of groupRoles) {
    const role = g ? normaliseRole(g, roles) : undefined;
    if (role && (best === undefined || roles.indexOf(role) < roles.indexOf(best))) best = role;
  }
  return best;
}
