/**
 * SAML ACS benchmark (`npm run bench:saml`, `npm run bench:saml -- --write --profile`): how many
 * Okta-like signed SAML Responses per second
 *
 *  (a) Drawbridge's full ACS takes over HTTP on SQLite (`node src/main.ts`: every check,
 *      replay cache, user upsert, group sync, session, login trace; each response a 303),
 *  (b) @node-saml/node-saml `validatePostResponseAsync` validates, in process,
 *  (c) Ory Polis (@boxyhq/saml-jackson) `oauthController.samlResponse` takes (IdP-initiated,
 *      in-memory engine), in process,
 *  (d) and the floors: an xmldom parse of the response, one RSA-SHA256 verify, Drawbridge's
 *      validator alone, and xml-crypto's checkSignature of both signatures;
 *
 * all on the same pre-signed responses (signing is never timed), in one run, with the goal
 * "Drawbridge ACS ≥ 5× Polis". Also checks that a forged or malformed response costs the
 * validator no more than a valid one. Loopback only, about 1–1.5 minutes, every child process
 * stopped at the end, on error and on Ctrl-C. `--help` lists the options.
 */

import { randomBytes, sign as rsaSign, verify as rsaVerify, X509Certificate } from 'node:crypto';
import { Agent } from 'node:http';
import os from 'node:os';
import { DOMParser } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { SamlError } from '../src/saml/errors.ts';
import {
  DEFAULT_CANONICALIZATIONS,
  type ResponseValidationSettings,
  validateResponse,
} from '../src/saml/validate-response.ts';
import { all, NS_DSIG, parse } from '../test/saml/response/support/builder.ts';
import { IDP_A_KEY, SP_KEY } from '../test/saml/response/support/keys.ts';
import { describeServerCode, hostRows, loadRows, versionOf } from './lib/machine.ts';
import {
  cleanups,
  commandLine,
  parseBenchArgs,
  progressLog,
  runBenchmark,
  wholeNumberArg,
} from './lib/program.ts';
import { backgroundLoad, QuietWaiter } from './lib/quiet.ts';
import {
  fmt,
  markdownTable,
  measuredOn,
  type Row,
  reportDate,
  reportHead,
  textTable,
  writePerformanceSection,
} from './lib/report.ts';
import { isRunning, type ServerProcess, startServer, warmUpFetch } from './lib/server-process.ts';
import {
  profileMarkdownTables,
  profileTextTables,
  type ServerProfile,
  sqlHeaders,
  sqlRows,
  startProfiledServer,
} from './lib/server-profile.ts';
import { median } from './lib/stats.ts';
import { formBody, postAll, type SamlSetup, setUpSaml } from './saml/drawbridge.ts';
import {
  type Contender,
  loopAsync,
  loopSync,
  type Measured,
  measureRound,
  medianRate,
  pctOf,
  type Round,
  rate,
} from './saml/measure.ts';
import { nodeSaml, polis } from './saml/peers.ts';
import {
  IDP_ENTITY_ID,
  largeSignedResponse,
  malformed,
  type ResponseSpec,
  VALID_MINUTES,
  withBadDigest,
  withBadSignatureValue,
} from './saml/responses.ts';
import { signInParallel } from './saml/sign-pool.ts';

const GOAL = { acsOverPolis: 5, aim: 10 };
const ROUNDS = 3;
/** Distinct users of the bench IdP; each logs in twice during the warm-up (created, then returning). */
const USERS = 100;
const WARMUP_REQUESTS = 2 * USERS;
/** Discarded ACS logins right before each timed ACS round (the server sat idle meanwhile). */
const REWARM_REQUESTS = 60;
const CLOCK_SKEW_SECONDS = 60;
/** Distinct responses the in-process contenders cycle through. */
const IN_PROCESS_SET = 64;
const LARGE_RESPONSE_BYTES = 300 * 1024;
/**
 * The server's settings besides bench/lib/server-process.ts's. All the load comes from one
 * loopback address, which the per-client ACS rate limit (SAML_ACS_RATE_LIMIT_PER_MINUTE, 120 by
 * default) would stop after two seconds: it is raised out of the way (the limiter still runs).
 */
const SERVER_ENV = {
  DRAWBRIDGE_ALLOW_PRIVATE_IDP_URLS: 'true',
  SAML_ACS_RATE_LIMIT_PER_MINUTE: '1000000',
};
const COMMAND = commandLine('bench:saml');

const args = parseBenchArgs(
  {
    profile: { type: 'boolean', default: false },
    responses: { type: 'string', default: '1800' },
    concurrency: { type: 'string', default: '8' },
    'round-seconds': { type: 'string', default: '1.5' },
    'server-node-options': { type: 'string', default: '' },
  },
  `Usage: npm run bench:saml -- [options]

  --write              add/replace the "SAML ACS" section of docs/performance.md (also BENCH_WRITE=1)
  --strict             exit 1 when the goal (ACS ≥ ${GOAL.acsOverPolis}× Polis) is missed
  --profile            afterwards, run the ACS once more under node --cpu-prof and summarise
                       where the server's time goes (not part of the measured numbers)
  --responses N        responses pre-signed for the ACS (default 1800; each is POSTed once)
  --concurrency N      concurrent ACS requests (default 8)
  --round-seconds S    length of one timed round (default 1.5; ${ROUNDS} rounds per contender)
  --wait-quiet N       before each round, wait until other processes are idle, at most N s in all
                       (0 to 300; default 0: never wait)
  --server-node-options="…"  Node.js options for the server (note the =), e.g. npm start's
                       --server-node-options="--max-semi-space-size=2 --v8-pool-size=2"
                       (default: none, as bench:core)`,
);

const N_RESPONSES = wholeNumberArg(
  '--responses',
  args.responses,
  WARMUP_REQUESTS + ROUNDS * (REWARM_REQUESTS + 100),
);
const SERVER_NODE_OPTIONS = args['server-node-options'].split(/\s+/).filter((o) => o !== '');
const CONCURRENCY = wholeNumberArg('--concurrency', args.concurrency, 1);
const ROUND_SECONDS = Number(args['round-seconds']);
if (!(ROUND_SECONDS > 0 && ROUND_SECONDS <= 5)) throw new Error('--round-seconds: expected 0 < S ≤ 5');

const progress = progressLog('bench:saml');
// At most 300 s: the signed responses must still be valid at the end (responses.ts VALID_MINUTES).
const quiet = new QuietWaiter(Number(args['wait-quiet']), progress);

// ---------------------------------------------------------------- vectors

interface Vectors {
  /** Base64 responses for the ACS, each used once per server. */
  pool: string[];
  /** The first IN_PROCESS_SET of them, decoded. */
  xml: string[];
  badSignature: string[];
  badDigest: string[];
  malformedXml: string[];
  large: string[];
  sizeBytes: number;
}

function specOf(i: number): ResponseSpec {
  return { user: i % USERS, variant: Math.floor(i / USERS) };
}

const b64 = (xml: string) => Buffer.from(xml, 'utf8').toString('base64');

async function buildVectors(setup: SamlSetup): Promise<Vectors> {
  const target = { spEntityId: setup.spEntityId, acsUrl: setup.acsUrl, idp: IDP_A_KEY };
  const now = Date.now();
  const pool = await signInParallel({
    target,
    now,
    specs: Array.from({ length: N_RESPONSES }, (_, i) => specOf(i)),
  });
  const xml = pool.slice(0, IN_PROCESS_SET).map((r) => Buffer.from(r, 'base64').toString('utf8'));
  const few = xml.slice(0, 8);
  return {
    pool,
    xml,
    badSignature: few.map((x) => b64(withBadSignatureValue(x))),
    badDigest: few.map((x) => b64(withBadDigest(x))),
    malformedXml: few.map((x) => b64(malformed(x))),
    large: [b64(largeSignedResponse(target, specOf(0), now, LARGE_RESPONSE_BYTES))],
    sizeBytes: Math.round(median(xml.map((x) => Buffer.byteLength(x)))),
  };
}

// ---------------------------------------------------------------- contenders

function validatorSettings(setup: SamlSetup): ResponseValidationSettings {
  // What the ACS passes for this configuration (src/sso/saml-flow.ts), SP decryption key included.
  return {
    spEntityId: setup.spEntityId,
    acsUrl: setup.acsUrl,
    idpEntityId: IDP_ENTITY_ID,
    idpCertificates: [IDP_A_KEY.certPem],
    requireSignedAssertion: true,
    allowSha1: false,
    allowedCanonicalizations: [...DEFAULT_CANONICALIZATIONS],
    clockSkewSeconds: CLOCK_SKEW_SECONDS,
    decryptionKeys: [SP_KEY.privateKeyPem],
    wantAssertionsEncrypted: false,
  };
}

function refusalOf(response: string, settings: ResponseValidationSettings): SamlError {
  try {
    validateResponse(response, settings, Date.now());
  } catch (error) {
    if (error instanceof SamlError) return error;
    throw error;
  }
  throw new Error('a forged or malformed response was accepted');
}

/** A validator contender that must refuse every one of `responses` with `code`. */
function refusing(
  name: string,
  responses: string[],
  settings: ResponseValidationSettings,
  code: string,
  reason?: string,
): Contender & { code: string } {
  const once = (i: number) => {
    const e = refusalOf(responses[i % responses.length]!, settings);
    if (e.code !== code || (reason !== undefined && e.detail?.reason !== reason)) {
      throw new Error(
        `${name}: refused with ${e.code} ${JSON.stringify(e.detail)}, expected ${code} ${reason}`,
      );
    }
  };
  const label = reason ? `${code} (${reason})` : code;
  return {
    name,
    code: label,
    warmUp: async () => void loopSync(once, 0.3),
    run: async () => loopSync(once, ROUND_SECONDS),
  };
}

interface Contenders {
  acs: Contender;
  nodeSaml: Contender;
  polis: Contender;
  validator: Contender;
  xmldom: Contender;
  checkSignature: Contender;
  rsaVerify: Contender;
  forged: Array<Contender & { code: string }>;
}

async function contenders(
  server: ServerProcess,
  setup: SamlSetup,
  v: Vectors,
  acsHealth: { failures: number; requests: number },
): Promise<Contenders> {
  const settings = validatorSettings(setup);
  const target = { spEntityId: setup.spEntityId, acsUrl: setup.acsUrl, idp: IDP_A_KEY };
  const inProcess = v.pool.slice(0, IN_PROCESS_SET);

  // (a) the ACS over HTTP: each pre-signed response POSTed once.
  const bodies = v.pool.map(formBody);
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  cleanups.push(async () => agent.destroy());
  const perRound = Math.floor((bodies.length - WARMUP_REQUESTS) / ROUNDS) - REWARM_REQUESTS;
  let cursor = 0;
  const post = async (count: number, seconds: number) => {
    const r = await postAll(
      setup.acsUrl,
      bodies,
      { from: cursor, to: cursor + count },
      seconds,
      CONCURRENCY,
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
      const r = await post(perRound, ROUND_SECONDS);
      return { ops: r.requests, seconds: r.seconds };
    },
  };

  // (b) node-saml.
  const ns = await nodeSaml(target, CLOCK_SKEW_SECONDS);
  const nodeSamlC: Contender = {
    name: 'node-saml validatePostResponseAsync',
    warmUp: async () => void (await loopAsync((i) => ns(inProcess[i % inProcess.length]!), 0.5)),
    run: () => loopAsync((i) => ns(inProcess[i % inProcess.length]!), ROUND_SECONDS),
  };

  // (c) Ory Polis.
  const p = await polis(target, { certificatePem: SP_KEY.certPem, privateKeyPem: SP_KEY.privateKeyPem });
  cleanups.push(p.close);
  const polisC: Contender = {
    name: 'Ory Polis samlResponse (mem engine)',
    warmUp: async () => void (await loopAsync((i) => p.check(inProcess[i % inProcess.length]!), 0.5)),
    run: () => loopAsync((i) => p.check(inProcess[i % inProcess.length]!), ROUND_SECONDS),
  };

  // (d) Drawbridge's validator alone, and the floors.
  const validate = (i: number) => {
    const r = validateResponse(inProcess[i % inProcess.length]!, settings, Date.now());
    if (!r.nameId) throw new Error('validator: no NameID');
  };
  const validator: Contender = {
    name: 'Drawbridge validateResponse',
    warmUp: async () => void loopSync(validate, 0.5),
    run: async () => loopSync(validate, ROUND_SECONDS),
  };

  const xmldomParse = (i: number) => {
    const doc = new DOMParser().parseFromString(v.xml[i % v.xml.length]!, 'text/xml');
    if (!doc.documentElement) throw new Error('xmldom: no document element');
  };
  const xmldom: Contender = {
    name: 'floor: @xmldom/xmldom parse',
    warmUp: async () => void loopSync(xmldomParse, 0.3),
    run: async () => loopSync(xmldomParse, ROUND_SECONDS),
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
    run: async () => loopSync(checkBoth, ROUND_SECONDS),
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
    run: async () => loopSync(verifyOnce, ROUND_SECONDS),
  };

  const forged = [
    refusing('bad SignatureValue', v.badSignature, settings, 'saml_signature_invalid', 'signature_value'),
    refusing(
      'bad digest (NameID edited)',
      v.badDigest,
      settings,
      'saml_signature_invalid',
      'digest_mismatch',
    ),
    refusing('malformed XML (truncated)', v.malformedXml, settings, 'saml_xml_malformed'),
    refusing('300 KB response (signed)', v.large, settings, 'saml_response_too_large'),
  ];

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

// ---------------------------------------------------------------- profile

interface AcsProfile extends ServerProfile {
  requests: number;
  seconds: number;
}

/**
 * The ACS once more, on a second server started under `node --cpu-prof` with the first one's
 * BASE_URL (so the same signed responses are valid there; its database is fresh, so none is a
 * replay): a warm-up, then a few seconds of load; only the samples of that window are
 * summarised.
 */
async function profileAcs(first: { url: string }, v: Vectors): Promise<AcsProfile> {
  const profiled = await startProfiledServer('saml', {
    env: { ...SERVER_ENV, BASE_URL: first.url },
    nodeArgs: SERVER_NODE_OPTIONS,
  });
  const { server } = profiled;
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  try {
    const setup = await setUpSaml(server.url, IDP_A_KEY.certPem);
    const bodies = v.pool.map(formBody);
    const send = async (from: number, to: number, seconds: number) => {
      const url = setup.acsUrl.replace(first.url, server.url);
      const r = await postAll(url, bodies, { from, to }, seconds, CONCURRENCY, agent, `${first.url}/`);
      if (r.failures > 0) throw new Error(`profile run: ${r.failures} failures; first: ${r.firstFailure}`);
      return r;
    };
    await send(0, WARMUP_REQUESTS, 120);
    const fromUs = await profiled.startWindow();
    const r = await send(WARMUP_REQUESTS, bodies.length, 4);
    return { ...(await profiled.finish(fromUs)), requests: r.requests, seconds: r.seconds };
  } finally {
    agent.destroy();
    await server.stop();
  }
}

// ---------------------------------------------------------------- report

interface Results {
  date: string;
  machine: Row[];
  sizeBytes: number;
  largeBytes: number;
  acs: Measured;
  polis: Measured;
  nodeSaml: Measured;
  validator: Measured;
  checkSignature: Measured;
  xmldom: Measured;
  rsaVerify: Measured;
  forged: Array<Measured & { code: string }>;
  profile?: AcsProfile;
}

const usPerOp = (m: Measured) => 1e6 / medianRate(m);
const ratio = (n: number) => `${n.toFixed(1)}×`;

function otherPct(m: Measured): string {
  return fmt.pct(median(m.rounds.map((r) => pctOf(r.otherCpuMs, r))));
}

function mainRows(r: Results): Row[] {
  const row = (label: string, m: Measured, note = ''): Row => [
    label,
    fmt.rate(medianRate(m)),
    fmt.us(usPerOp(m)),
    m.rounds.map((x) => fmt.rate(rate(x))).join(', '),
    otherPct(m),
    note,
  ];
  const acsServerUs = median(r.acs.rounds.map((x) => (x.serverCpuMs * 1000) / x.ops));
  const acsLoadgen = median(r.acs.rounds.map((x) => pctOf(x.selfCpuMs, x)));
  const acsServerPct = median(r.acs.rounds.map((x) => pctOf(x.serverCpuMs, x)));
  return [
    row(
      '(a) Drawbridge ACS, HTTP, SQLite: full login',
      r.acs,
      `server CPU ${fmt.int(acsServerUs)} µs/login (${fmt.pct(acsServerPct)} of a core); load generator ${fmt.pct(acsLoadgen)}`,
    ),
    row('(c) Ory Polis samlResponse, in process', r.polis, 'IdP-initiated, mem engine'),
    row('(b) node-saml validatePostResponseAsync, in process', r.nodeSaml, 'validation only'),
    row('(d) Drawbridge validateResponse, in process', r.validator, 'validation only'),
    row('(d) xml-crypto checkSignature, both signatures', r.checkSignature, 'parses the XML per call'),
    row('(d) floor: @xmldom/xmldom parse', r.xmldom, ''),
    row('(d) floor: crypto.verify RSA-2048 SHA-256, 32 bytes', r.rsaVerify, 'a valid response needs 2'),
  ];
}

const MAIN_HEADERS = ['Contender', '>ops/s', '>µs/op', '>ops/s per round', '>other CPU', 'Notes'];

interface Ratio {
  name: string;
  value: number;
  goal: string;
  pass?: boolean;
}

function ratios(r: Results): Ratio[] {
  const acsOverPolis = medianRate(r.acs) / medianRate(r.polis);
  return [
    {
      name: 'Drawbridge ACS / Polis',
      value: acsOverPolis,
      goal: `≥ ${GOAL.acsOverPolis}× (aim ${GOAL.aim}×)`,
      pass: acsOverPolis >= GOAL.acsOverPolis,
    },
    {
      name: 'Drawbridge validator / node-saml',
      value: medianRate(r.validator) / medianRate(r.nodeSaml),
      goal: '',
    },
    {
      name: 'Drawbridge ACS / node-saml (validation only)',
      value: medianRate(r.acs) / medianRate(r.nodeSaml),
      goal: '',
    },
    { name: 'Drawbridge validator / Polis', value: medianRate(r.validator) / medianRate(r.polis), goal: '' },
  ];
}

function ratioRows(r: Results, markdown = false): Row[] {
  return ratios(r).map((x) => [
    x.name,
    ratio(x.value),
    x.goal,
    x.pass === undefined ? '' : x.pass ? 'PASS' : markdown ? '**MISS**' : 'MISS',
  ]);
}

function forgedRows(r: Results): Row[] {
  const valid = usPerOp(r.validator);
  return [
    ['valid response (baseline)', 'accepted', fmt.us(valid), '1.00'],
    ...r.forged.map((m) => [m.name, m.code, fmt.us(usPerOp(m)), (usPerOp(m) / valid).toFixed(2)]),
  ];
}

const SQL_HEADERS = sqlHeaders('login');

function machineRows(backgroundPct: number, sizeBytes: number): Row[] {
  return [
    ...hostRows(describeServerCode()),
    [
      'Libraries',
      `@node-saml/node-saml ${versionOf('@node-saml/node-saml')} (xml-crypto ${versionOf('xml-crypto')}, ` +
        `@xmldom/xmldom ${versionOf('@node-saml/node-saml/node_modules/@xmldom/xmldom')}); ` +
        `@boxyhq/saml-jackson ${versionOf('@boxyhq/saml-jackson')} (@boxyhq/saml20 ${versionOf('@boxyhq/saml20')}, ` +
        `xml-crypto ${versionOf('@boxyhq/saml20/node_modules/xml-crypto')}); Drawbridge: xml-crypto ` +
        `${versionOf('xml-crypto')}, @xmldom/xmldom ${versionOf('@xmldom/xmldom')}`,
    ],
    [
      'Responses',
      `Okta-like, ${(sizeBytes / 1024).toFixed(1)} KiB of XML, Response and Assertion signed (RSA-2048, SHA-256, exc-c14n, KeyInfo certificate), 8 attributes, 7 groups`,
    ],
    ['ACS load', `${CONCURRENCY} concurrent keep-alive connections, node:http, each response POSTed once`],
    [
      'Server Node.js options',
      SERVER_NODE_OPTIONS.length > 0 ? SERVER_NODE_OPTIONS.join(' ') : 'none (`node src/main.ts`)',
    ],
    ...loadRows(backgroundPct, quiet.budgetMs > 0 ? quiet.describe(args['wait-quiet']) : undefined),
  ];
}

function sharedCoresNote(): string {
  return (
    `The machine has ${os.availableParallelism()} cores: during (a) the load generator (this process) shares them with ` +
    'the server, so (a) is a lower bound for the server alone; "server CPU µs/login" is the figure least ' +
    'disturbed by that. (b)–(d) run one at a time on one thread of this process. "other CPU" is what ' +
    'every other process on the machine used during the rounds (percent of one core, median of the rounds). ' +
    'Because (a) needs two busy processes and (b)–(d) one, other load on the machine slows (a) more than the ' +
    'in-process contenders: compare ratios from quiet runs (low "other CPU") only.'
  );
}

function methodText(r: Results): string {
  const acsRound = Math.floor((N_RESPONSES - WARMUP_REQUESTS) / ROUNDS) - REWARM_REQUESTS;
  return [
    `- **Test vectors**: ${N_RESPONSES} unsolicited Okta-like responses built with the response tests' builder (test/saml/response/support/builder.ts) and signed with xml-crypto before anything is timed (on worker threads): each with its own Response ID, Assertion ID and SessionIndex, Destination/Recipient/Audience exactly the configuration's ACS URL and SP entity ID, valid for ${VALID_MINUTES} minutes. ${USERS} users; a user's successive responses leave out a different one of the four groups that exist in Drawbridge, so every returning login adds one SSO group membership and removes another.`,
    `- **(a) Drawbridge ACS**: \`node src/main.ts\` on a fresh SQLite DATA_DIR and a loopback port (as bench:core starts it, without \`npm start\`'s memory flags), with \`SAML_ACS_RATE_LIMIT_PER_MINUTE=1000000\` since all the load comes from one address (the limiter still runs); an organisation, four groups with externalIds, and a SAML configuration (IdP metadata with the test IdP's certificate, \`allowIdpInitiated: true\`, \`requireSignedAssertion: true\`) created through the admin API. Every response is POSTed once as \`SAMLResponse=…\` to \`/api/v1/auth/saml/acme-okta/response/\`; every answer must be a 303 to the configuration's return URL with a session cookie, or the run fails. That is the whole login: validation, replay-cache claim, user lookup and update, group sync, session, login trace. A warm-up of ${WARMUP_REQUESTS} logins (each user created, then one returning login) is discarded; each timed round is preceded by ${REWARM_REQUESTS} discarded logins (the server sat idle while the other contenders ran) and sends up to ${acsRound} responses for at most ${ROUND_SECONDS} s.`,
    `- **(b) node-saml**: \`new SAML({ audience, idpIssuer, idpCert, callbackUrl, wantAssertionsSigned: true, wantAuthnResponseSigned: true, validateInResponseTo: 'never', acceptedClockSkewMs: ${CLOCK_SKEW_SECONDS * 1000} })\`, \`validatePostResponseAsync({ SAMLResponse })\`; validation and profile extraction only (node-saml has no storage). It does not check Destination or Recipient.`,
    "- **(c) Ory Polis**: `controllers({ db: { engine: 'mem' }, idpEnabled: true, samlAudience: <SP entity ID>, noAnalytics: true, certs })`, one SAML connection from the same IdP metadata, `oauthController.samlResponse({ SAMLResponse })` without RelayState (the IdP-initiated flow): connection lookup, validation, profile mapping, authorization code stored in memory; the answer must be a redirect with a `code`. Polis does not check Destination or Recipient and keeps no replay cache.",
    `- **(d)** Drawbridge's \`validateResponse\` (src/saml/validate-response.ts) with the settings the ACS passes for this configuration; xml-crypto \`SignedXml.checkSignature\` of both signatures of a response with the configured certificate (\`getCertFromKeyInfo: () => null\`), the Signature nodes found beforehand (each call parses the document again, as xml-crypto does); an @xmldom/xmldom 0.9 \`DOMParser\` parse; one \`crypto.verify('sha256', …)\` of a 32-byte value with the IdP's RSA-2048 public key (a response needs two). The in-process contenders cycle through ${IN_PROCESS_SET} distinct responses.`,
    `- **Timing**: every contender gets one untimed warm-up (which also checks its answers), then ${ROUNDS} timed rounds of ${ROUND_SECONDS} s; the rounds are interleaved (round 1 of every contender, then round 2, then round 3), so drift in the machine's load hits all of them alike. ops/s is the median of the rounds; µs/op is its inverse.`,
    `- **Forged and malformed**: \`validateResponse\` on (i) the valid response with one character of the Response's SignatureValue changed, (ii) the NameID edited after signing (the assertion's digest no longer matches), (iii) the response cut off at 60% (not well-formed), (iv) a validly signed response grown to ${(r.largeBytes / 1024).toFixed(0)} KiB with extra group values (over the 256 KiB default limit). Each must be refused with the code shown; "cost vs valid" is its µs per call divided by a valid response's.`,
    ...(r.profile
      ? [
          `- **Profile** (\`--profile\`): after the measurement, a second server is started under \`node --cpu-prof\` with the first one's BASE_URL and a fresh database, gets the same warm-up and then ${r.profile.seconds.toFixed(1)} s of the same ACS load; only the samples of that window are summarised (self time per function and per package, and inclusive time of Drawbridge's own functions). A CPU profile shows the time inside SQLite as one native call, so that server also preloads bench/saml/sqlite-timing.ts (\`--import\`), which times every node:sqlite statement call by SQL text over the same window; with WAL and synchronous=FULL a commit includes its fsync. The profiler slows the server down, so these are shares, not rates.`,
        ]
      : []),
  ].join('\n');
}

function printReport(r: Results): void {
  const out = reportHead('SAML ACS benchmark', r.date, r.machine, sharedCoresNote());
  out.push(textTable(MAIN_HEADERS, mainRows(r)), '');
  out.push(textTable(['Ratio', '>Measured', 'Goal', 'Result'], ratioRows(r)), '');
  out.push(
    'A forged or malformed response must cost no more than a valid one (Drawbridge validateResponse):',
  );
  out.push(textTable(['Response', 'Refused with', '>µs/call', '>cost vs valid'], forgedRows(r)), '');
  if (r.profile) {
    const p = r.profile;
    out.push(
      `Profile of the ACS server (${p.requests} logins in ${p.seconds.toFixed(1)} s under --cpu-prof; ${p.file}):`,
      '',
      ...profileTextTables(p.summary, [20, 14, 20]),
      '',
      `Time inside SQLite by statement (wall time per login; the profile's wall time per login was ${fmt.us((p.seconds * 1e6) / p.requests)} µs):`,
      textTable(SQL_HEADERS, sqlRows(p.sql, p.requests, 15)),
      '',
    );
  }
  console.log(out.join('\n'));
}

function markdownOf(r: Results): string {
  const p = r.profile;
  return [
    '## SAML ACS',
    '',
    measuredOn(r.date, COMMAND, 'bench/saml.ts'),
    '',
    markdownTable(['Ratio', '>Measured', 'Goal', 'Result'], ratioRows(r, true)),
    '',
    markdownTable(MAIN_HEADERS, mainRows(r)),
    '',
    sharedCoresNote(),
    '',
    '### A forged or malformed response costs no more than a valid one',
    '',
    markdownTable(['Response', 'Refused with', '>µs/call', '>cost vs valid'], forgedRows(r)),
    '',
    '### Machine',
    '',
    markdownTable(['Item', 'Value'], r.machine),
    ...(p
      ? [
          '',
          `### Where the ACS server's time goes (\`--profile\`, ${p.requests} logins)`,
          '',
          ...profileMarkdownTables(p.summary),
          '',
          `Time inside SQLite by statement, per login (the profiled server took ${fmt.us((p.seconds * 1e6) / p.requests)} µs of wall time per login):`,
          '',
          markdownTable(SQL_HEADERS, sqlRows(p.sql, p.requests, 10)),
        ]
      : []),
    '',
    '### Method',
    '',
    methodText(r),
  ].join('\n');
}

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  const began = Date.now();
  const backgroundPct = await backgroundLoad(progress);
  await warmUpFetch();
  const server = await startServer({ env: SERVER_ENV, nodeArgs: SERVER_NODE_OPTIONS });
  cleanups.push(server.stop);
  const setup = await setUpSaml(server.url, IDP_A_KEY.certPem);
  progress(`server ready at ${server.url}; signing ${N_RESPONSES} responses (not timed)`);
  const t0 = Date.now();
  const v = await buildVectors(setup);
  progress(`signed in ${((Date.now() - t0) / 1000).toFixed(1)} s; ${v.sizeBytes} bytes of XML each`);

  const acsHealth = { failures: 0, requests: 0 };
  const c = await contenders(server, setup, v, acsHealth);
  const order: Contender[] = [
    c.acs,
    c.polis,
    c.nodeSaml,
    c.validator,
    c.checkSignature,
    c.xmldom,
    c.rsaVerify,
    ...c.forged,
  ];
  progress('warm-up (untimed; also checks every contender accepts or refuses as expected)');
  for (const x of order) await x.warmUp();
  const rounds = new Map<Contender, Round[]>(order.map((x) => [x, []]));
  for (let i = 1; i <= ROUNDS; i++) {
    progress(`round ${i}/${ROUNDS}: ${order.length} contenders × ${ROUND_SECONDS} s`);
    for (const x of order) {
      await quiet.wait();
      try {
        rounds.get(x)!.push(await measureRound(x));
      } catch (err) {
        if (x !== c.acs) throw err;
        throw new Error(`${(err as Error).message}\n--- server output ---\n${server.logTail()}`);
      }
    }
  }
  if (acsHealth.failures > 0) throw new Error(`ACS: ${acsHealth.failures} failed requests`);
  const m = (x: Contender): Measured => ({ name: x.name, rounds: rounds.get(x)! });
  await server.stop();

  let profile: AcsProfile | undefined;
  if (args.profile) {
    progress('profiling the ACS server (node --cpu-prof), not part of the numbers');
    profile = await profileAcs(server, v);
  }

  const results: Results = {
    date: reportDate(),
    machine: machineRows(backgroundPct, v.sizeBytes),
    sizeBytes: v.sizeBytes,
    largeBytes: Buffer.from(v.large[0]!, 'base64').length,
    acs: m(c.acs),
    polis: m(c.polis),
    nodeSaml: m(c.nodeSaml),
    validator: m(c.validator),
    checkSignature: m(c.checkSignature),
    xmldom: m(c.xmldom),
    rsaVerify: m(c.rsaVerify),
    forged: c.forged.map((x) => ({ ...m(x), code: x.code })),
    ...(profile ? { profile } : {}),
  };
  printReport(results);
  if (args.write) writePerformanceSection('bench:saml', markdownOf(results), progress);
  const goal = ratios(results)[0]!;
  progress(
    `done in ${((Date.now() - began) / 1000).toFixed(0)} s; Drawbridge ACS / Polis = ${ratio(goal.value)} ` +
      `(goal ≥ ${GOAL.acsOverPolis}×: ${goal.pass ? 'met' : 'MISSED'})`,
  );
  return !goal.pass && args.strict ? 1 : 0;
}

await runBenchmark('bench:saml', main);
