import { performance } from 'node:perf_hooks';
import { IDP_A_KEY, SP_KEY } from '../../test/saml/response/support/keys.ts';
import { signInParallel } from './sign-pool.ts';
import { nodeSaml, polis } from './peers.ts';
const target = { spEntityId: 'http://127.0.0.1:1/api/v1/auth/saml/acme-okta/metadata/', acsUrl: 'http://127.0.0.1:1/api/v1/auth/saml/acme-okta/response/', idp: IDP_A_KEY };
const signed = await signInParallel({ target, now: Date.now(), specs: Array.from({ length: 100 }, (_, i) => ({ user: i, variant: i })) });
let t0 = performance.now();
const p = await polis(target, { certificatePem: SP_KEY.certPem, privateKeyPem: SP_KEY.privateKeyPem });
console.log('polis init ms', performance.now() - t0);
const ns = nodeSaml(target, 60);
for (const [name, f] of [['node-saml', ns], ['polis', p.check]] as const) {
  for (let r = 0; r < 3; r++) {
    t0 = performance.now(); let n = 0;
    while (performance.now() - t0 < 1000) { await f(signed[n % signed.length]!); n++; }
    console.log(name, n / ((performance.now() - t0) / 1000));
  }
}
await p.close();
