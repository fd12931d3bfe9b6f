import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { IDP_A_KEY } from '../../test/saml/response/support/keys.ts';
import { startServer, cpuMs, killAllNow } from '../lib/server-process.ts';
import { setUpSaml, postAll, formBody } from './drawbridge.ts';
import { signInParallel } from './sign-pool.ts';
try {
const server = await startServer({ env: { DRAWBRIDGE_ALLOW_PRIVATE_IDP_URLS: 'true' } });
const setup = await setUpSaml(server.url, IDP_A_KEY.certPem);
console.log(setup);
const target = { spEntityId: setup.spEntityId, acsUrl: setup.acsUrl, idp: IDP_A_KEY };
const N = 1200;
let t0 = performance.now();
const signed = await signInParallel({ target, now: Date.now(), specs: Array.from({ length: N }, (_, i) => ({ user: i % 200, variant: Math.floor(i / 200) })) });
console.log('signed', signed.length, 'in', performance.now() - t0, 'ms');
const bodies = signed.map(formBody);
const agent = new Agent({ keepAlive: true, maxSockets: 8 });
let r = await postAll(setup.acsUrl, bodies, 0, 10, 8, agent);
console.log('warm', r.requests, r.seconds, r.requests / r.seconds, r.statusCodes, r.firstFailure);
const c0 = cpuMs(server.pid); const s0 = process.cpuUsage();
r = await postAll(setup.acsUrl, bodies, r.next, 10, 8, agent);
const c1 = cpuMs(server.pid); const s1 = process.cpuUsage(s0);
console.log('timed', r.requests, r.seconds, r.requests / r.seconds, r.statusCodes, r.firstFailure, 'server ms/req', (c1 - c0) / r.requests, 'client ms/req', (s1.user + s1.system) / 1000 / r.requests);
agent.destroy();
await server.stop();
} finally { killAllNow(); }
