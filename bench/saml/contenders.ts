/**
 * The contenders of bench:saml on the same pre-signed responses: (a) Drawbridge's ACS over HTTP,
 * (b) node-saml and (c) Ory Polis in process, (d) Drawbridge's validator alone and the floors, and
 * the validator on forged and malformed responses.
 */
import { randomBytes, sign as rsaSign, verify as rsaVerify, X509Certificate } from 'node:crypto';
import { Agent } from 'node:http';
import { DOMParser } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { validateResponse } from '../../src/saml/validate-response.ts';
import { all, NS_DSIG, parse } from '../../test/saml/response/support/builder.ts';
import { IDP_A_KEY, SP_KEY } from '../../test/saml/response/support/keys.ts';
import { type Contender, loopAsync, loopSync } from '../lib/measure.ts';
import { cleanups } from '../lib/program.ts';
import { isRunning, type ServerProcess } from '../lib/server-process.ts';
import { formBody, postAll, type SamlSetup } from './drawbridge.ts';
import { forgedContenders, validatorSettings } from './forged-contenders.ts';
import { nodeSaml, polis } from './peers.ts';
import {
  CLOCK_SKEW_SECONDS,
  IN_PROCESS_SET,
  REWARM_REQUESTS,
  ROUNDS,
  type SamlOptions,
  WARMUP_REQUESTS,
} from './plan.ts';
import type { Vectors } from './vectors.ts';

export interface Contenders {
  acs: Contender;
  nodeSaml: Contender;
  polis: Contender;
  validator: Contender;
  xmldom: Contender;
  checkSignature: Contender;
  rsaVerify: Contender;
  forged: Array<Contender & { code: string }>;
}

export async function contenders(
  server: ServerProcess,
  setup: SamlSetup,
  v: Vectors,
  acsHealth: { failures: number; requests: number },
  opts: SamlOptions,
): Promise<Contenders> {
  const settings = validatorSettings(setup);
  const target = { spEntityId: setup.spEntityId, acsUrl: setup.acsUrl, idp: IDP_A_KEY };
  const inProcess = v.pool.slice(0, IN_PROCESS_SET);

  // (a) the ACS over HTTP: each pre-signed response POSTed once.
  const bodies = v.pool.map(formBody);
  const agent = new Agent({ keepAlive: true, maxSockets: opts.concurrency });
  cleanups.push(async () => agent.destroy());
  const perRound = Math.floor((bodies.length - WARMUP_REQUESTS) / ROUNDS) - REWARM_REQUESTS;
  let cursor = 0;
  const post = async (count: number, seconds: number) => {
    const r = await postAll(
      setup.acsUrl,
      bodies,
      { from: cursor, to: cursor + count },
      seconds,
      opts.concurrency,
      agent,
      `${server.url}/`,
    ).catch((err: Error) => {
      throw isRunning(server.pid)
        ? err
        : new Error(
            `the server process ${server.pid} is gone (${err.message}); was it killed from outside? ` +
              `Its last output:\n${server.logTail()}`,
          );
    });
    cursor = r.next;
    acsHealth.requests += r.requests;
    acsHealth.failures += r.failures;
    if (r.failures > 0) {
      throw new Error(
        `ACS: ${r.failures} of ${r.requests} answers were not a 303 with a session ` +
          `(status codes ${JSON.stringify(r.statusCodes)}); first: ${r.firstFailure} — the run is invalid`,
      );
    }
    return r;
  };
  const acs: Contender = {
    name: 'Drawbridge ACS, HTTP + SQLite (full login)',
    serverPid: server.pid,
    warmUp: async () => {
      const r = await post(WARMUP_REQUESTS, 120);
      if (r.requests !== WARMUP_REQUESTS) throw new Error('ACS warm-up did not finish');
    },
    beforeRound: async () => void (await post(REWARM_REQUESTS, 30)),
    run: async () => {
      const r = await post(perRound, opts.roundSeconds);
      return { ops: r.requests, seconds: r.seconds };
    },
  };

  // (b) node-saml.
  const ns = await nodeSaml(target, CLOCK_SKEW_SECONDS);
  const nodeSamlC: Contender = {
    name: 'node-saml validatePostResponseAsync',
    warmUp: async () => void (await loopAsync((i) => ns(inProcess[i % inProcess.length]!), 0.5)),
    run: () => loopAsync((i) => ns(inProcess[i % inProcess.length]!), opts.roundSeconds),
  };

  // (c) Ory Polis.
  const p = await polis(target, { certificatePem: SP_KEY.certPem, privateKeyPem: SP_KEY.privateKeyPem });
  cleanups.push(p.close);
  const polisC: Contender = {
    name: 'Ory Polis samlResponse (mem engine)',
    warmUp: async () => void (await loopAsync((i) => p.check(inProcess[i % inProcess.length]!), 0.5)),
    run: () => loopAsync((i) => p.check(inProcess[i % inProcess.length]!), opts.roundSeconds),
  };

  // (d) Drawbridge's validator alone, and the floors.
  const validate = (i: number) => {
    const r = validateResponse(inProcess[i % inProcess.length]!, settings, Date.now());
    if (!r.nameId) throw new Error('validator: no NameID');
  };
  const validator: Contender = {
    name: 'Drawbridge validateResponse',
    warmUp: async () => void loopSync(validate, 0.5),
    run: async () => loopSync(validate, opts.roundSeconds),
  };

  const xmldomParse = (i: number) => {
    const doc = new DOMParser().parseFromString(v.xml[i % v.xml.length]!, 'text/xml');
    if (!doc.documentElement) throw new Error('xmldom: no document element');
  };
  const xmldom: Contender = {
    name: 'floor: @xmldom/xmldom parse',
    warmUp: async () => void loopSync(xmldomParse, 0.3),
    run: async () => loopSync(xmldomParse, opts.roundSeconds),
  };

  // xml-crypto as its documentation shows it, with the configured certificate (never KeyInfo):
  // both signatures of each response, the Signature nodes found beforehand.
  const signatureNodes = v.xml.map((x) => all(parse(x), NS_DSIG, 'Signature'));
  const checkBoth = (i: number) => {
    const k = i % v.xml.length;
    for (const node of signatureNodes[k]!) {
      const sig = new SignedXml({ publicCert: IDP_A_KEY.certPem, getCertFromKeyInfo: () => null });
      sig.loadSignature(node as never);
      if (!sig.checkSignature(v.xml[k]!)) throw new Error('xml-crypto: signature invalid');
    }
  };
  const checkSignature: Contender = {
    name: 'xml-crypto checkSignature ×2',
    warmUp: async () => void loopSync(checkBoth, 0.3),
    run: async () => loopSync(checkBoth, opts.roundSeconds),
  };

  const digests = Array.from({ length: 16 }, () => randomBytes(32));
  const rsaSigs = digests.map((d) => rsaSign('sha256', d, IDP_A_KEY.privateKeyPem));
  const publicKey = new X509Certificate(IDP_A_KEY.certPem).publicKey;
  const verifyOnce = (i: number) => {
    const k = i % digests.length;
    if (!rsaVerify('sha256', digests[k]!, publicKey, rsaSigs[k]!)) throw new Error('crypto.verify failed');
  };
  const rsa: Contender = {
    name: 'floor: crypto.verify RSA-2048 SHA-256',
    warmUp: async () => void loopSync(verifyOnce, 0.3),
    run: async () => loopSync(verifyOnce, opts.roundSeconds),
  };

  const forged = forgedContenders(v, settings, opts.roundSeconds);

  return {
    acs,
    nodeSaml: nodeSamlC,
    polis: polisC,
    validator,
    xmldom,
    checkSignature,
    rsaVerify: rsa,
    forged,
  };
}
