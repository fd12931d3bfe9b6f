/**
 * SimpleSAMLphp 1.19 (Debian `simplesamlphp`) as a test IdP: PHP's built-in server on 127.0.0.1 over
 * /usr/share/simplesamlphp/www, with SIMPLESAMLPHP_CONFIG_DIR a per-run temp dir holding the
 * config templates of ./simplesamlphp/, run.json, the IdP key and the SP metadata XML (parsed
 * on every request by metadata/saml20-sp-remote.php). /etc is never read or written. Login is the real exampleauth:UserPass form.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type IdpOptions,
  prepareRun,
  type RunningIdp,
  requireFiles,
  requirePhpExtensions,
  startIdpProcess,
  writeSpMetadata,
} from './common.ts';

const WWW = '/usr/share/simplesamlphp/www';
const TEMPLATES = join(import.meta.dirname, 'simplesamlphp');

export async function startSimpleSamlPhp(options: IdpOptions): Promise<RunningIdp> {
  requireFiles('SimpleSAMLphp', [WWW, '/usr/bin/php']);
  requirePhpExtensions(['dom', 'mbstring', 'openssl']);
  const run = await prepareRun('simplesamlphp', options);
  const metadataUrl = `${run.baseUrl}/saml2/idp/metadata.php`;
  for (const sub of ['metadata', 'tmp', 'sessions']) mkdirSync(join(run.dir, sub));
  copyFileSync(join(TEMPLATES, 'config.php'), join(run.dir, 'config.php'));
  copyFileSync(join(TEMPLATES, 'authsources.php'), join(run.dir, 'authsources.php'));
  for (const file of ['saml20-idp-hosted.php', 'saml20-sp-remote.php']) {
    copyFileSync(join(TEMPLATES, 'metadata', file), join(run.dir, 'metadata', file));
  }
  writeFileSync(join(run.dir, 'idp.key'), run.signingKey.keyPem, { mode: 0o600 });
  writeFileSync(join(run.dir, 'idp.crt'), run.signingKey.certPem);
  writeFileSync(
    join(run.dir, 'run.json'),
    JSON.stringify({
      port: run.port,
      baseUrl: run.baseUrl,
      entityId: metadataUrl,
      secretSalt: crypto.randomUUID(),
      users: run.users,
      sign: run.sign,
      encryptAssertion: run.encryptAssertion,
      nameFormat: run.nameFormat,
      attributeNames: run.attributeNames,
      spMetadataFile: run.spMetadataFile,
    }),
  );
  const child = await startIdpProcess({
    name: 'SimpleSAMLphp',
    command: '/usr/bin/php',
    args: ['-S', `127.0.0.1:${run.port}`, '-t', WWW],
    env: { SIMPLESAMLPHP_CONFIG_DIR: run.dir },
    dir: run.dir,
    readyUrl: metadataUrl,
  });
  return {
    kind: 'simplesamlphp',
    entityId: metadataUrl,
    metadataUrl,
    metadataXml: child.readyBody,
    ssoRedirectUrl: `${run.baseUrl}/saml2/idp/SSOService.php`,
    signingCertPem: run.signingKey.certPem,
    baseUrl: run.baseUrl,
    idpInitiatedUrl(spEntityId, relayState) {
      const url = new URL(`${run.baseUrl}/saml2/idp/SSOService.php`);
      url.searchParams.set('spentityid', spEntityId);
      if (relayState !== undefined) url.searchParams.set('RelayState', relayState);
      return url.href;
    },
    setSp: (sp) => writeSpMetadata(run, sp),
    output: child.output,
    stop: child.stop,
  };
}
