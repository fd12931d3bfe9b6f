/**
 * The first part of the route catalogue: health probes, the caller's own account (sign-in,
 * password, sessions, invitations and resets) and an organisation's sign-in administration
 * (invitations, resets, login policy, domain verification). One row a route; a route missing
 * here fails harness.test.ts, so that every route of the app is fuzzed.
 */

import fc from 'fast-check';
import { hostileString, jsonArb } from './hostile-values.ts';
import { emailArb, nameArb, passwordArb, roleArb, tokenPasswordFields } from './route-fields.ts';
import { org, orgDomain, orgOnly, orgUser, type RouteSpec } from './route-spec.ts';

export const ACCOUNT_ROUTES: RouteSpec[] = [
  { method: 'GET', path: '/healthz', auth: false, body: false },
  { method: 'GET', path: '/readyz', auth: false, body: false },
  { method: 'GET', path: '/metrics', auth: false, body: false },
  {
    method: 'POST',
    path: '/api/v1/auth/login',
    auth: false,
    body: true,
    writesLoginTraces: true,
    validBody: (f) => ({ email: f.orgAdminEmail, password: 'not the password' }),
    fields: { email: emailArb, password: passwordArb },
    textFields: ['email', 'password'],
  },
  { method: 'GET', path: '/api/v1/auth/me', auth: true, body: false },
  { method: 'POST', path: '/api/v1/auth/logout', auth: false, body: false, endsSession: true },
  {
    method: 'POST',
    path: '/api/v1/auth/password',
    auth: true,
    body: true,
    writesLoginTraces: true,
    validBody: () => ({ currentPassword: 'not the password', newPassword: 'a brand new long passphrase' }),
    fields: { currentPassword: passwordArb, newPassword: passwordArb },
    textFields: ['currentPassword', 'newPassword'],
  },
  {
    method: 'POST',
    path: '/api/v1/auth/invitations/accept',
    auth: false,
    body: true,
    validBody: () => ({ token: 'no-such-invitation-token', password: 'a brand new long passphrase' }),
    fields: tokenPasswordFields,
    textFields: ['token', 'password'],
  },
  {
    method: 'POST',
    path: '/api/v1/auth/password-reset',
    auth: false,
    body: true,
    validBody: () => ({ token: 'no-such-reset-token', password: 'a brand new long passphrase' }),
    fields: tokenPasswordFields,
    textFields: ['token', 'password'],
  },
  { method: 'GET', path: '/api/v1/auth/sessions', auth: true, body: false },
  {
    method: 'DELETE',
    path: '/api/v1/auth/sessions/:sessionId',
    auth: true,
    body: false,
    endsSession: true,
    params: () => ({ sessionId: '0123456789abcdef0123456789abcdef' }),
  },
  { method: 'POST', path: '/api/v1/auth/logout-all', auth: true, body: false, endsSession: true },
  {
    method: 'POST',
    path: `${org}/invitations`,
    auth: true,
    body: true,
    params: orgOnly,
    validBody: (_f, n) => ({ email: `invited-${n}@fixture.example`, role: 'member' }),
    fields: { email: emailArb, firstName: nameArb, lastName: nameArb, role: roleArb },
    textFields: ['email', 'firstName', 'lastName', 'role'],
  },
  { method: 'POST', path: `${org}/users/:userId/password-reset`, auth: true, body: false, params: orgUser },
  { method: 'GET', path: `${org}/login-policy`, auth: true, body: false, params: orgOnly },
  {
    method: 'PATCH',
    path: `${org}/login-policy`,
    auth: true,
    body: true,
    params: orgOnly,
    validBody: () => ({ allowedLoginMethods: ['password', 'saml', 'oidc'] }),
    fields: {
      allowedLoginMethods: fc.oneof(fc.subarray(['password', 'saml', 'oidc', 'carrier-pigeon']), jsonArb),
      defaultSso: fc.oneof(
        fc.record({
          protocol: fc.constantFrom('saml', 'oidc', 'ldap'),
          name: fc.oneof(fc.constant('fixture-saml'), hostileString),
        }),
        fc.constant(null),
        jsonArb,
      ),
    },
  },
  { method: 'POST', path: `${org}/domains/:domainId/verify`, auth: true, body: false, params: orgDomain },
];
