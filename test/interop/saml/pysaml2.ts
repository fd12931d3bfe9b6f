/**
 * pysaml2 7 (Debian `python3-pysaml2`) as a test IdP: ./pysaml2/idp.py, a small http.server
 * around saml2.server.Server, run by /usr/bin/python3 (the python3 on PATH may be pyenv's, which
 * cannot see Debian's packages). It shows its own login form; it signs and encrypts through the
 * xmlsec1 binary.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type IdpOptions,
  prepareRun,
  type RunningIdp,
  requireFiles,
  startIdpProcess,
  writeSpMetadata,
} from './common.ts';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(import.meta.dirname, 'pysaml2', 'idp.py');

export async function startPysaml2(options: IdpOptions): Promise<RunningIdp> {
  requireFiles('pysaml2', [PYTHON, '/usr/lib/python3/dist-packages/saml2', '/usr/bin/xmlsec1']);
  const run = await prepareRun('pysaml2', options);
  const metadataUrl = `${run.baseUrl}/metadata`;
  const keyFile = join(run.dir, 'idp.key');
  const certFile = join(run.dir, 'idp.crt');
  writeFileSync(keyFile, run.signingKey.keyPem, { mode: 0o600 });
  writeFileSync(certFile, run.signingKey.certPem);
  const runFile = join(run.dir, 'run.json');
  writeFileSync(
    runFile,
    JSON.stringify({
      port: run.port,
      baseUrl: run.baseUrl,
      entityId: metadataUrl,
      keyFile,
      certFile,
      spMetadataFile: run.spMetadataFile,
      users: run.users,
      nameFormat: run.nameFormat,
      attributeNames: run.attributeNames,
      sign: run.sign,
      encryptAssertion: run.encryptAssertion,
    }),
  );
  const child = await startIdpProcess({
    name: 'pysaml2',
    command: PYTHON,
    args: ['-u', SCRIPT, runFile],
    env: { TMPDIR: run.dir },
    dir: run.dir,
    readyUrl: metadataUrl,
  });
  return {
    kind: 'pysaml2',
    entityId: metadataUrl,
    metadataUrl,
    metadataXml: child.readyBody,
    ssoRedirectUrl: `${run.baseUrl}/sso/redirect`,
    signingCertPem: run.signingKey.certPem,
    baseUrl: run.baseUrl,
    idpInitiatedUrl(spEntityId, relayState) {
      const url = new URL(`${run.baseUrl}/idp-init`);
      url.searchParams.set('sp', spEntityId);
      if (relayState !== undefined) url.searchParams.set('RelayState', relayState);
      return url.href;
    },
    setSp: (sp) => writeSpMetadata(run, sp),
    output: child.output,
    stop: child.stop,
  };
}
