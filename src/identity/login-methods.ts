/**
 * Which ways of signing in an organisation allows (its login policy), and where its people go
 * for single sign-on. Pure: the SAML, OIDC and password flows load the policy
 * (`store.loginPolicies.get`) and ask `loginMethodAllowed` before they start a session.
 */
import type { StoredLoginPolicy } from '../store/repositories/password-accounts.ts';

export const LOGIN_METHODS = ['password', 'saml', 'oidc'] as const;
export type LoginMethod = (typeof LOGIN_METHODS)[number];

export const SSO_PROTOCOLS = ['saml', 'oidc'] as const;
export type SsoProtocol = (typeof SSO_PROTOCOLS)[number];

export interface LoginPolicy {
  allowedLoginMethods: readonly LoginMethod[];
  /** The SSO configuration people of this organisation are sent to (home-realm discovery). */
  defaultSso: { protocol: SsoProtocol; name: string } | null;
}

/** What an organisation that never set a policy gets: every method, no default SSO. */
export const DEFAULT_LOGIN_POLICY: LoginPolicy = {
  allowedLoginMethods: [...LOGIN_METHODS],
  defaultSso: null,
};

const isMethod = (m: string): m is LoginMethod => (LOGIN_METHODS as readonly string[]).includes(m);
const isProtocol = (p: string): p is SsoProtocol => (SSO_PROTOCOLS as readonly string[]).includes(p);

/** The policy from its stored form; unknown method names are ignored (they allow nothing). */
export function loginPolicyFrom(stored: StoredLoginPolicy | undefined): LoginPolicy {
  if (!stored) return DEFAULT_LOGIN_POLICY;
  const sso = stored.defaultSso;
  return {
    allowedLoginMethods: stored.allowedLoginMethods.filter(isMethod),
    defaultSso: sso && isProtocol(sso.protocol) ? { protocol: sso.protocol, name: sso.name } : null,
  };
}

/** Whether `organisation`'s policy lets its people sign in with `method`. */
export function loginMethodAllowed(
  organisation: { allowedLoginMethods: readonly string[] },
  method: LoginMethod,
): boolean {
  return organisation.allowedLoginMethods.includes(method);
}

/** The path that starts a login with an SSO configuration (DESIGN.md's external contract). */
export function ssoLoginPath(sso: { protocol: SsoProtocol; name: string }): string {
  return `/api/v1/auth/${sso.protocol}/${encodeURIComponent(sso.name)}/login/`;
}
