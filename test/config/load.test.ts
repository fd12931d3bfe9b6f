import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.ts';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('defaults: port 8080, ./data, BASE_URL from the port, the five default roles', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      PORT: 8080,
      DATA_DIR: './data',
      BASE_URL: 'http://localhost:8080',
      LOG_LEVEL: 'info',
      TRUST_PROXY: false,
    });
    expect(c.ROLES).toEqual(['admin', 'admin_viewer', 'member', 'member_viewer', 'customer']);
  });

  it('reads every list option as comma-separated text: trimmed, empties dropped, email domains lowercased', () => {
    const c = loadConfig({
      ROLES: ' admin , member,,viewer ',
      ALLOWED_EMAIL_DOMAINS: 'Acme.COM, ,example.org',
      ALLOWED_REDIRECT_ORIGINS: ' https://app.acme.test, https://other.test:8443',
      TRUSTED_PROXY_CIDRS: '10.0.0.0/8, ::1/128',
      DNS_RESOLVERS: '127.0.0.1:5353, ',
    });
    expect(c.ROLES).toEqual(['admin', 'member', 'viewer']);
    expect(c.ALLOWED_EMAIL_DOMAINS).toEqual(['acme.com', 'example.org']);
    expect(c.ALLOWED_REDIRECT_ORIGINS).toEqual(['https://app.acme.test', 'https://other.test:8443']);
    expect(c.TRUSTED_PROXY_CIDRS).toHaveLength(2);
    expect(c.DNS_RESOLVERS).toHaveLength(1);
    const empty = loadConfig({});
    expect([empty.ALLOWED_EMAIL_DOMAINS, empty.ALLOWED_REDIRECT_ORIGINS, empty.DNS_RESOLVERS]).toEqual([
      [],
      [],
      [],
    ]);
  });

  it('reports every bad variable at once, naming it and what it expects', () => {
    const p = problems({
      PORT: 'abc',
      ROLES: 'x,y',
      LOG_LEVEL: 'loud',
      BASE_URL: 'ftp://x',
      DATABASE_URL: 'mysql://db',
    });
    expect(p).toHaveLength(5);
    expect(p.find((x) => x.startsWith('PORT:'))).toMatch(/whole number.*"abc"/);
    expect(p.find((x) => x.startsWith('ROLES:'))).toMatch(/must include admin/);
    expect(p.find((x) => x.startsWith('LOG_LEVEL:'))).toBeDefined();
    expect(p.find((x) => x.startsWith('BASE_URL:'))).toMatch(/http\(s\) URL/);
    expect(p.find((x) => x.startsWith('DATABASE_URL:'))).toMatch(/postgres/);
  });

  it('never echoes a secret value in a problem', () => {
    const p = problems({ DRAWBRIDGE_ADMIN_KEY: 'short-secret', DRAWBRIDGE_SECRET: 'tiny' });
    expect(p.join('\n')).not.toContain('short-secret');
    expect(p.join('\n')).not.toContain('tiny');
  });

  it('refuses to start in production without DRAWBRIDGE_SECRET', () => {
    expect(problems({ NODE_ENV: 'production' })[0]).toMatch(/^DRAWBRIDGE_SECRET: required/);
  });

  it('RFC 6265bis §4.1.3: refuses a __Host- or __Secure- session cookie name without an https BASE_URL, accepts it with one', () => {
    for (const name of ['__Host-drawbridge', '__Secure-drawbridge', '__host-drawbridge']) {
      expect(problems({ SESSION_COOKIE_NAME: name })).toEqual([
        expect.stringMatching(/^SESSION_COOKIE_NAME: a __Secure- or __Host- cookie needs an https BASE_URL/),
      ]);
      expect(problems({ SESSION_COOKIE_NAME: name, BASE_URL: 'http://sso.example.test' })).toHaveLength(1);
      expect(
        loadConfig({ SESSION_COOKIE_NAME: name, BASE_URL: 'https://sso.example.test' }).SESSION_COOKIE_NAME,
      ).toBe(name);
    }
  });

  it('accepts PROXY_BASE_URL (LiteLLM) as BASE_URL, BASE_URL winning when both are set', () => {
    expect(loadConfig({ PROXY_BASE_URL: 'https://proxy.example.com/' }).BASE_URL).toBe(
      'https://proxy.example.com',
    );
    expect(loadConfig({ PROXY_BASE_URL: 'https://a.example', BASE_URL: 'https://b.example' }).BASE_URL).toBe(
      'https://b.example',
    );
  });

  it('reads booleans, hop counts and address lists for TRUST_PROXY', () => {
    expect(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8' }).TRUST_PROXY).toBe('10.0.0.0/8');
  });

  it('reads a YAML file named by DRAWBRIDGE_CONFIG; the environment wins over the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'drawbridge.yaml');
    writeFileSync(file, 'PORT: 9000\nLOG_LEVEL: debug\nROLES: [admin, editor]\n');
    const c = loadConfig({ DRAWBRIDGE_CONFIG: file, LOG_LEVEL: 'warn' });
    expect(c).toMatchObject({ PORT: 9000, LOG_LEVEL: 'warn', ROLES: ['admin', 'editor'] });
  });

  it('refuses unknown keys and non-mapping documents in the YAML file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'PORT: 9000\nPROT: 1\n');
    expect(problems({ DRAWBRIDGE_CONFIG: file })[0]).toMatch(/^PROT: unknown option/);
    writeFileSync(file, '- a\n- b\n');
    expect(problems({ DRAWBRIDGE_CONFIG: file })[0]).toMatch(/must be a mapping/);
    expect(problems({ DRAWBRIDGE_CONFIG: join(dir, 'missing.yaml') })[0]).toMatch(/cannot read/);
  });

  it('refuses an idle timeout longer than the absolute one', () => {
    expect(
      problems({ SESSION_IDLE_TIMEOUT_SECONDS: '7200', SESSION_ABSOLUTE_TIMEOUT_SECONDS: '3600' })[0],
    ).toMatch(/SESSION_IDLE_TIMEOUT_SECONDS/);
  });
});
