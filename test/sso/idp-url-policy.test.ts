import { describe, expect, it } from 'vitest';
import { idpUrlAllowed } from '../../src/sso/idp-url-policy.ts';

describe('IdP URL policy (DESIGN.md: DRAWBRIDGE_ALLOW_PRIVATE_IDP_URLS)', () => {
  it.each([
    'http://idp.example.com/sso',
    'https://localhost/sso',
    'https://sso.localhost/x',
    'https://127.0.0.1/sso',
    'https://10.1.2.3/sso',
    'https://172.20.0.1/sso',
    'https://192.168.1.1/sso',
    'https://169.254.169.254/latest',
    'https://100.64.0.1/',
    'https://198.18.0.1/',
    'https://224.0.0.251/',
    'https://255.255.255.255/',
    'https://[64:ff9b::a00:1]/sso',
    'https://[2002:7f00:1::]/sso',
    'https://[ff02::1]/sso',
    'https://[::1]/sso',
    'https://[fd00::1]/sso',
    'https://[::ffff:127.0.0.1]/sso',
    'https://adfs.corp.internal/adfs/ls',
    'ftp://idp.example.com/',
    'not a url',
  ])('refuses %s by default', (url) => {
    expect(idpUrlAllowed(url, false)).toBe(false);
  });

  it.each(['https://idp.example.com/sso', 'https://login.microsoftonline.com/x/saml2', 'https://8.8.8.8/'])(
    'accepts %s',
    (url) => {
      expect(idpUrlAllowed(url, false)).toBe(true);
    },
  );

  it('accepts http and private hosts when private IdP URLs are allowed, but never other schemes', () => {
    expect(idpUrlAllowed('http://127.0.0.1:4302/saml2/idp/SSOService.php', true)).toBe(true);
    expect(idpUrlAllowed('javascript:alert(1)', true)).toBe(false);
  });
});
