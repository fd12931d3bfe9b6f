/** Audit events are written in the same transaction as the change they describe. */
import type { Repositories } from '../store/store.ts';
import type { Principal } from './principal.ts';

export function audit(
  repos: Pick<Repositories, 'auditEvents'>,
  principal: Principal,
  organisationId: string | null,
  action: string,
  target: { type: string; id: string | null },
  detail: Record<string, unknown> = {},
): Promise<void> {
  return repos.auditEvents.record({
    organisationId,
    actor: principal.actor,
    action,
    targetType: target.type,
    targetId: target.id,
    detail,
  });
}
