import { describe, expect, it } from 'vitest';
import { DEFAULT_ROLES } from '../../src/config/schema.ts';
import { normaliseRole } from '../../src/identity/roles.ts';

describe('role names', () => {
  it.each([
    ['proxy_admin', 'admin'],
    ['proxy_admin_viewer', 'admin_viewer'],
    ['internal_user', 'member'],
    ['internal_user_viewer', 'member_viewer'],
    ['Admin', 'admin'],
    [' customer ', 'customer'],
  ])('reads %s as %s', (input, expected) => {
    expect(normaliseRole(input, DEFAULT_ROLES)).toBe(expected);
  });

  it('returns undefined for a role outside the configured list, even an alias whose target is missing', () => {
    expect(normaliseRole('root', DEFAULT_ROLES)).toBeUndefined();
    expect(normaliseRole('internal_user', ['admin', 'editor'])).toBeUndefined();
  });
});
