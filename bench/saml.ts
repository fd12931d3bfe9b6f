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

import { IDP_A_KEY } from '../test/saml/response/support/keys.ts';
import { type Contender, type Measured, measureRound, medianRate, type Round } from './lib/measure.ts';
import {
  cleanups,
  commandLine,
  parseBenchArgs,
  progressLog,
  runBenchmark,
  wholeNumberArg,
} from './lib/program.ts';
import { backgroundLoad, QuietWaiter } from './lib/quiet.ts';
import { reportDate, writePerformanceSection } from './lib/report.ts';
import { startServer, warmUpFetch } from './lib/server-process.ts';
import { contenders } from './saml/contenders.ts';
import { setUpSaml } from './saml/drawbridge.ts';
import { REWARM_REQUESTS, ROUNDS, type SamlOptions, SERVER_ENV, WARMUP_REQUESTS } from './saml/plan.ts';
import { type AcsProfile, profileAcs } from './saml/profile-acs.ts';
import { markdownOf, printReport } from './saml/report.ts';
import { machineRows, type Ratio, type Results, ratio } from './saml/report-tables.ts';
import { buildVectors } from './saml/vectors.ts';

const GOAL = { acsOverPolis: 5, aim: 10 };
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
const opts: SamlOptions = {
  responses: N_RESPONSES,
  concurrency: CONCURRENCY,
  roundSeconds: ROUND_SECONDS,
  serverNodeOptions: SERVER_NODE_OPTIONS,
};

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

async function main(): Promise<number> {
  const began = Date.now();
  const backgroundPct = await backgroundLoad(progress);
  await warmUpFetch();
  const server = await startServer({ env: SERVER_ENV, nodeArgs: SERVER_NODE_OPTIONS });
  cleanups.push(server.stop);
  const setup = await setUpSaml(server.url, IDP_A_KEY.certPem);
  progress(`server ready at ${server.url}; signing ${N_RESPONSES} responses (not timed)`);
  const t0 = Date.now();
  const v = await buildVectors(setup, N_RESPONSES);
  progress(`signed in ${((Date.now() - t0) / 1000).toFixed(1)} s; ${v.sizeBytes} bytes of XML each`);

  const acsHealth = { failures: 0, requests: 0 };
  const c = await contenders(server, setup, v, acsHealth, opts);
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
    profile = await profileAcs(server, v, opts);
  }

  const results: Results = {
    date: reportDate(),
    machine: machineRows(backgroundPct, v.sizeBytes, opts, quiet, args['wait-quiet']),
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
  printReport(results, ratios(results));
  if (args.write)
    writePerformanceSection('bench:saml', markdownOf(results, ratios(results), opts, COMMAND), progress);
  const goal = ratios(results)[0]!;
  progress(
    `done in ${((Date.now() - began) / 1000).toFixed(0)} s; Drawbridge ACS / Polis = ${ratio(goal.value)} ` +
      `(goal ≥ ${GOAL.acsOverPolis}×: ${goal.pass ? 'met' : 'MISSED'})`,
  );
  return !goal.pass && args.strict ? 1 : 0;
}

await runBenchmark('bench:saml', main);
