import * as client from 'openid-client';
import { describe, expect, it } from 'vitest';
import { serverMetadataOf } from '../../src/sso/oidc-client.ts';

function configuration(issuer: string): client.Configuration {
  return new client.Configuration(
    {
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/jwks`,
    },
    'client-1',
  );
}

describe('serverMetadataOf (openid-client server metadata, read once per configuration)', () => {
  it("answers the configuration's own metadata", () => {
    const metadata = serverMetadataOf(configuration('https://idp.example'));
    expect(metadata.issuer).toBe('https://idp.example');
    expect(metadata.jwks_uri).toBe('https://idp.example/jwks');
    expect(metadata.token_endpoint).toBe('https://idp.example/token');
  });

  it('answers the same object for the same configuration, and another one for another configuration', () => {
    const a = configuration('https://a.example');
    const b = configuration('https://b.example');
    expect(serverMetadataOf(a)).toBe(serverMetadataOf(a));
    expect(serverMetadataOf(b)).not.toBe(serverMetadataOf(a));
    expect(serverMetadataOf(b).issuer).toBe('https://b.example');
  });

  it('cannot be edited by a caller: the kept copy is frozen and the configuration unchanged', () => {
    const c = configuration('https://idp.example');
    const metadata = serverMetadataOf(c) as { jwks_uri?: string };
    expect(() => {
      metadata.jwks_uri = 'https://evil.example/jwks';
    }).toThrow(TypeError);
    expect(c.serverMetadata().jwks_uri).toBe('https://idp.example/jwks');
  });
});
