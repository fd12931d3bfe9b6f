/** From provider claims to the profile (LiteLLM's GENERIC_USER_*_ATTRIBUTE with dot paths). */
import { describe, expect, it } from 'vitest';
import { profileFromClaims, readClaim } from '../../src/oidc/claims.ts';
import { claimNamesFor } from '../../src/oidc/providers.ts';

describe('claim mapping', () => {
  it('reads dot paths into nested claims, and an exact key containing dots first', () => {
    const claims = { realm_access: { roles: ['admin'] }, 'http://x.test/claims/role': 'member' };
    expect(readClaim(claims, 'realm_access.roles')).toEqual(['admin']);
    expect(readClaim(claims, 'http://x.test/claims/role')).toBe('member');
    expect(readClaim(claims, 'realm_access.missing.deeper')).toBeUndefined();
    expect(readClaim({ a: 'text' }, 'a.length')).toBeUndefined();
  });

  it('maps the standard claims with the generic preset and takes names from display name when missing', () => {
    const p = profileFromClaims(
      {
        sub: 'u1',
        email: 'a@x.test',
        email_verified: true,
        name: 'Ada King Lovelace',
        groups: 'solo',
        role: 'admin',
      },
      claimNamesFor('generic-oidc', {}),
    );
    expect(p).toMatchObject({
      subject: 'u1',
      email: 'a@x.test',
      emailVerified: true,
      firstName: 'Ada',
      lastName: 'King Lovelace',
      role: 'admin',
      groups: ['solo'],
    });
  });

  it('treats email_verified other than true or "true" as unverified, and a value without @ as no email', () => {
    const names = claimNamesFor('generic-oidc', {});
    expect(
      profileFromClaims({ sub: 'u', email: 'a@x.test', email_verified: 'yes' }, names).emailVerified,
    ).toBe(false);
    expect(
      profileFromClaims({ sub: 'u', email: 'a@x.test', email_verified: 'true' }, names).emailVerified,
    ).toBe(true);
    expect(profileFromClaims({ sub: 'u', email: 'not-an-email' }, names).email).toBeNull();
  });

  it('uses configured claim names and copies extra attributes', () => {
    const p = profileFromClaims(
      { preferred_username: 'ada', mail: 'ada@x.test', org: { team: ['t1', 't2'] }, dept: 'R&D' },
      claimNamesFor('generic-oidc', {
        id: 'preferred_username',
        email: 'mail',
        groups: 'org.team',
        extra: ['dept', 'missing'],
      }),
    );
    expect(p).toMatchObject({
      subject: 'ada',
      email: 'ada@x.test',
      groups: ['t1', 't2'],
      extra: { dept: 'R&D' },
    });
  });

  it("reads Microsoft's email verification from xms_edov", () => {
    expect(
      profileFromClaims({ sub: 's', email: 'a@x.test', xms_edov: true }, claimNamesFor('microsoft', {}))
        .emailVerified,
    ).toBe(true);
    expect(
      profileFromClaims({ sub: 's', email: 'a@x.test', email_verified: true }, claimNamesFor('microsoft', {}))
        .emailVerified,
    ).toBe(false);
  });
});
