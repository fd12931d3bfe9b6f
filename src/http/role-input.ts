/** A role named in a request, resolved against the configured list (LiteLLM aliases accepted). */
import { normaliseRole } from '../identity/roles.ts';
import type { AppContext } from './context.ts';
import { ApiError } from './errors.ts';

export function roleOrThrow(ctx: AppContext, value: string): string {
  const role = normaliseRole(value, ctx.config.ROLES);
  if (!role)
    throw new ApiError('invalid_role', `Unknown role "${value}"; roles are ${ctx.config.ROLES.join(', ')}`);
  return role;
}
