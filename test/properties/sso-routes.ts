/**
 * The last part of the route catalogue: SAML and OIDC configurations, the SP keys, identity
 * link requests, and the public sign-in routes of each protocol (ACS, callback, trusted
 * header, custom handler).
 */

import fc from 'fast-check';
import { hostileString } from './hostile-values.ts';
import { configurationNameArb, oidcFields, samlFields } from './route-fields.ts';
import { oidcName, org, orgOidc, orgOnly, orgSaml, type RouteSpec, samlName } from './route-spec.ts';

export const SSO_ROUTES: RouteSpec[] = [
  {
    method: 'POST',
    path: `${org}/saml-configurations`,
    auth: true,
    body: true,
    params: orgOnly,
    validBody: (_f, n) => ({ name: `saml-${n}` }),
    fields: { name: configurationNameArb, ...samlFields },
    textFields: ['name', 'idpMetadataXml', 'frontendUrl', 'defaultRole'],
  },
  { method: 'GET', path: `${org}/saml-configurations`, auth: true, body: false, params: orgOnly },
  { method: 'GET', path: `${org}/saml-configurations/:name`, auth: true, body: false, params: orgSaml },
  {
    method: 'PATCH',
    path: `${org}/saml-configurations/:name`,
    auth: true,
    body: true,
    params: orgSaml,
    validBody: () => ({ enabled: true }),
    fields: samlFields,
    textFields: ['idpMetadataXml', 'frontendUrl', 'defaultRole'],
  },
  { method: 'DELETE', path: `${org}/saml-configurations/:name`, auth: true, body: false, params: orgSaml },
  { method: 'GET', path: '/api/v1/saml/sp-keys', auth: true, body: false },
  {
    method: 'POST',
    path: '/api/v1/saml/sp-keys/rotate',
    auth: true,
    body: true,
    validBody: () => ({ use: 'signing', step: 'begin' }),
    fields: {
      use: fc.oneof(fc.constantFrom('signing', 'encryption'), hostileString),
      step: fc.oneof(fc.constantFrom('begin', 'complete'), hostileString),
    },
    textFields: ['use', 'step'],
  },
  { method: 'GET', path: '/api/v1/auth/saml/:name/metadata/', auth: false, body: false, params: samlName },
  { method: 'GET', path: '/api/v1/auth/saml/:name/login/', auth: false, body: false, params: samlName },
  { method: 'GET', path: '/api/v1/auth/saml/login/', auth: false, body: false },
  {
    method: 'POST',
    path: '/api/v1/auth/saml/:name/response/',
    auth: false,
    body: true,
    params: samlName,
    writesLoginTraces: true,
    // A refused login like any other (docs/saml.md): its own code, and a trace.
    oversizedBodyCode: 'saml_response_too_large',
    validBody: () => ({ SAMLResponse: Buffer.from('<samlp:Response/>').toString('base64') }),
    fields: { SAMLResponse: fc.oneof(hostileString, fc.base64String()), RelayState: hostileString },
    textFields: ['SAMLResponse', 'RelayState'],
  },
  {
    method: 'POST',
    path: `${org}/oidc-configurations`,
    auth: true,
    body: true,
    params: orgOnly,
    validBody: (_f, n) => ({ name: `oidc-${n}`, provider: 'google', clientId: 'c', clientSecret: 's' }),
    fields: {
      name: configurationNameArb,
      provider: fc.oneof(
        fc.constantFrom('google', 'microsoft', 'okta', 'github', 'generic-oidc', 'generic-oauth2'),
        hostileString,
      ),
      ...oidcFields,
    },
    textFields: ['name', 'issuer', 'clientId', 'clientSecret', 'scope', 'defaultRole'],
  },
  { method: 'GET', path: `${org}/oidc-configurations`, auth: true, body: false, params: orgOnly },
  { method: 'GET', path: `${org}/oidc-configurations/:name`, auth: true, body: false, params: orgOidc },
  {
    method: 'PATCH',
    path: `${org}/oidc-configurations/:name`,
    auth: true,
    body: true,
    params: orgOidc,
    validBody: () => ({ enabled: false }),
    fields: oidcFields,
    textFields: ['issuer', 'clientId', 'clientSecret', 'scope', 'defaultRole'],
  },
  { method: 'DELETE', path: `${org}/oidc-configurations/:name`, auth: true, body: false, params: orgOidc },
  { method: 'GET', path: '/api/v1/identity-link-requests', auth: true, body: false },
  {
    method: 'POST',
    path: '/api/v1/identity-link-requests/:id/confirm',
    auth: true,
    body: false,
    params: () => ({ id: 'no-such-link-request' }),
  },
  { method: 'GET', path: '/api/v1/auth/oidc/:name/login/', auth: false, body: false, params: oidcName },
  {
    method: 'GET',
    path: '/api/v1/auth/oidc/:name/callback/',
    auth: false,
    body: false,
    params: oidcName,
    writesLoginTraces: true,
  },
  // Off by default (TRUSTED_HEADER_ENABLED, CUSTOM_SIGN_IN_HANDLER): 404 with a code, nothing written.
  { method: 'GET', path: '/api/v1/auth/trusted-header/login/', auth: false, body: false },
  { method: 'GET', path: '/api/v1/auth/custom/login/', auth: false, body: false },
];
