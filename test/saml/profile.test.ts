import { describe, expect, it } from 'vitest';
import { profileFromAssertion } from '../../src/saml/profile.ts';

const base = {
  nameId: 'persistent-123',
  nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
};

describe('reading the person from a SAML assertion', () => {
  it('uses subject-id first, then uid, then the NameID as the unique id', () => {
    expect(
      profileFromAssertion(
        { ...base, attributes: { 'urn:oasis:names:tc:SAML:attribute:subject-id': ['s@x'], uid: ['u'] } },
        {},
      ).subject,
    ).toBe('s@x');
    expect(
      profileFromAssertion({ ...base, attributes: { 'urn:oid:0.9.2342.19200300.100.1.1': ['oid-uid'] } }, {})
        .subject,
    ).toBe('oid-uid');
    expect(profileFromAssertion({ ...base, attributes: {} }, {}).subject).toBe('persistent-123');
  });

  it('reads Okta-like basic names (email, givenName, sn, groups)', () => {
    const p = profileFromAssertion(
      {
        ...base,
        attributes: { email: ['a@acme.test'], givenName: ['Ada'], sn: ['Lovelace'], groups: ['eng', 'ops'] },
      },
      {},
    );
    expect(p).toMatchObject({
      email: 'a@acme.test',
      firstName: 'Ada',
      lastName: 'Lovelace',
      groups: ['eng', 'ops'],
    });
  });

  it('reads Entra/ADFS claim URIs and LDAP OIDs', () => {
    const claims = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';
    const p = profileFromAssertion(
      {
        ...base,
        attributes: {
          [`${claims}/emailaddress`]: ['e@acme.test'],
          [`${claims}/givenname`]: ['E'],
          'urn:oid:2.5.4.4': ['Ntra'],
        },
      },
      {},
    );
    expect(p).toMatchObject({ email: 'e@acme.test', firstName: 'E', lastName: 'Ntra' });
  });

  it('splits displayName into first and last names when they are missing', () => {
    const p = profileFromAssertion({ ...base, attributes: { displayName: ['Grace Brewster Hopper'] } }, {});
    expect(p).toMatchObject({
      firstName: 'Grace',
      lastName: 'Brewster Hopper',
      displayName: 'Grace Brewster Hopper',
    });
  });

  it('uses an emailAddress-format NameID as the email when no email attribute is sent', () => {
    const p = profileFromAssertion(
      {
        nameId: 'n@acme.test',
        nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
        attributes: {},
      },
      {},
    );
    expect(p.email).toBe('n@acme.test');
    expect(profileFromAssertion({ ...base, attributes: {} }, {}).email).toBeNull();
  });

  it('reads the attribute named by a custom mapping instead of the defaults', () => {
    const p = profileFromAssertion(
      { ...base, attributes: { email: ['default@x'], workEmail: ['custom@x'], memberOf: ['g1'] } },
      { email: 'workEmail', groups: 'memberOf' },
    );
    expect(p).toMatchObject({ email: 'custom@x', groups: ['g1'] });
  });

  it('notes an unmapped Entra groups claim for the trace instead of guessing', () => {
    const p = profileFromAssertion(
      { ...base, attributes: { 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups': ['a1b2'] } },
      {},
    );
    expect(p.groups).toBeNull();
    expect(p.notes[0]).toContain('attributeMappings.groups');
  });
});
