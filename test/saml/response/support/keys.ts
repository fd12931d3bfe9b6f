/**
 * Test-only key material (attacks.md §0.1): fresh RSA key pairs with self-signed certificates
 * (node:crypto for the keys, the `openssl` binary for the certificate), made once per test
 * worker. IdP A is the configured IdP, IdP B another tenant's, the attacker is registered
 * nowhere, `WEAK_KEY` is a 1024-bit IdP key, `SP_KEY` and `SP_PREVIOUS_KEY` are the SP's
 * encryption keys (current and before rotation).
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestIdentity {
  privateKeyPem: string;
  publicKeyPem: string;
  certPem: string;
}

function makeIdentity(commonName: string, modulusLength = 2048): TestIdentity {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const dir = mkdtempSync(join(tmpdir(), 'saml-test-key-'));
  try {
    writeFileSync(join(dir, 'key.pem'), privateKeyPem, { mode: 0o600 });
    const certPem = execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-new',
        '-key',
        join(dir, 'key.pem'),
        '-subj',
        `/CN=${commonName}`,
        '-days',
        '7300',
        '-sha256',
      ],
      { encoding: 'utf8' },
    );
    return {
      privateKeyPem,
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      certPem,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const IDP_A_KEY = makeIdentity('idp-a.test');
export const IDP_B_KEY = makeIdentity('idp-b.test');
export const ATTACKER_KEY = makeIdentity('attacker.test');
export const WEAK_KEY = makeIdentity('weak-idp.test', 1024);
export const SP_KEY = makeIdentity('sp.test');
export const SP_PREVIOUS_KEY = makeIdentity('sp-previous.test');
