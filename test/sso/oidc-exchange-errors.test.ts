/**
 * exchangeRefusal: openid-client's errors, raised by openid-client itself (no network: each is
 * thrown before a request would be sent), turned into Drawbridge's stable codes.
 */
import * as client from 'openid-client';
import { describe, expect, it } from 'vitest';
import { exchangeRefusal } from '../../src/sso/oidc-exchange-errors.ts';

async function thrownBy(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (err) {
    return err;
  }
  throw new Error('expected openid-client to throw');
}

const configuration = () =>
  new client.Configuration(
    {
      issuer: 'https://op.example',
      authorization_endpoint: 'https://op.example/authorize',
      token_endpoint: 'https://op.example/token',
    },
    'drawbridge',
  );

describe('exchangeRefusal', () => {
  it('OAuth 2.0 Multiple Response Types §5: an implicit answer (id_token, no code) is a malformed callback (oidc_callback_malformed)', async () => {
    const err = await thrownBy(() =>
      client.authorizationCodeGrant(
        configuration(),
        new URL('https://sp.example/callback?id_token=e30.e30.&state=s'),
        { expectedState: 's' },
      ),
    );
    expect(exchangeRefusal(err).code).toBe('oidc_callback_malformed');
  });

  it('OAuth 2.0 Multiple Response Types §5: a hybrid answer (code and token) is a malformed callback (oidc_callback_malformed)', async () => {
    const err = await thrownBy(() =>
      client.authorizationCodeGrant(
        configuration(),
        new URL('https://sp.example/callback?code=c&token=t&state=s'),
        { expectedState: 's' },
      ),
    );
    expect(exchangeRefusal(err).code).toBe('oidc_callback_malformed');
  });

  it('DESIGN.md IdP URL policy: openid-client refusing a plain-http endpoint is oidc_provider_url_not_allowed', async () => {
    const err = await thrownBy(() => client.discovery(new URL('http://op.example'), 'drawbridge'));
    expect(exchangeRefusal(err).code).toBe('oidc_provider_url_not_allowed');
  });

  it('DESIGN.md IdP URL policy: openid-client refusing a non-HTTP scheme is oidc_provider_url_not_allowed', async () => {
    const err = await thrownBy(() =>
      client.discovery(new URL('ftp://op.example'), 'drawbridge', undefined, undefined, {
        execute: [client.allowInsecureRequests],
      }),
    );
    expect(exchangeRefusal(err).code).toBe('oidc_provider_url_not_allowed');
  });

  it('anything openid-client raises without a known code stays oidc_token_response_invalid', () => {
    expect(exchangeRefusal(new Error('something else')).code).toBe('oidc_token_response_invalid');
    expect(exchangeRefusal('not an error').code).toBe('oidc_token_response_invalid');
  });
});
