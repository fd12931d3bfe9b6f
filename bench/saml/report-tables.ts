/**
 * The tables of bench:saml's report, in the terminal and in docs/performance.md: the contenders,
 * the ratios, the forged and malformed responses, the machine.
 */
import os from 'node:os';
import { describeServerCode, hostRows, loadRows, versionOf } from '../lib/machine.ts';
import { type Measured, medianRate, pctOf, rate } from '../lib/measure.ts';
import type { QuietWaiter } from '../lib/quiet.ts';
import { fmt, type Row } from '../lib/report.ts';
import { median } from '../lib/stats.ts';
import type { SamlOptions } from './plan.ts';
import type { AcsProfile } from './profile-acs.ts';

export interface Results {
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

export const usPerOp = (m: Measured) => 1e6 / medianRate(m);
export const ratio = (n: number) => `${n.toFixed(1)}×`;

function otherPct(m: Measured): string {
  return fmt.pct(median(m.rounds.map((r) => pctOf(r.otherCpuMs, r))));
}

export function mainRows(r: Results): Row[] {
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

export const MAIN_HEADERS = ['Contender', '>ops/s', '>µs/op', '>ops/s per round', '>other CPU', 'Notes'];

export interface Ratio {
  name: string;
  value: number;
  goal: string;
  pass?: boolean;
}

export function ratioRows(ratios: Ratio[], markdown = false): Row[] {
  return ratios.map((x) => [
    x.name,
    ratio(x.value),
    x.goal,
    x.pass === undefined ? '' : x.pass ? 'PASS' : markdown ? '**MISS**' : 'MISS',
  ]);
}

export function forgedRows(r: Results): Row[] {
  const valid = usPerOp(r.validator);
  return [
    ['valid response (baseline)', 'accepted', fmt.us(valid), '1.00'],
    ...r.forged.map((m) => [m.name, m.code, fmt.us(usPerOp(m)), (usPerOp(m) / valid).toFixed(2)]),
  ];
}

export function machineRows(
  backgroundPct: number,
  sizeBytes: number,
  opts: SamlOptions,
  quiet: QuietWaiter,
  waitQuiet: string,
): Row[] {
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
    [
      'ACS load',
      `${opts.concurrency} concurrent keep-alive connections, node:http, each response POSTed once`,
    ],
    [
      'Server Node.js options',
      opts.serverNodeOptions.length > 0 ? opts.serverNodeOptions.join(' ') : 'none (`node src/main.ts`)',
    ],
    ...loadRows(backgroundPct, quiet.budgetMs > 0 ? quiet.describe(waitQuiet) : undefined),
  ];
}

export function sharedCoresNote(): string {
  return (
    `The machine has ${os.availableParallelism()} cores: during (a) the load generator (this process) shares them with ` +
    'the server, so (a) is a lower bound for the server alone; "server CPU µs/login" is the figure least ' +
    'disturbed by that. (b)–(d) run one at a time on one thread of this process. "other CPU" is what ' +
    'every other process on the machine used during the rounds (percent of one core, median of the rounds). ' +
    'Because (a) needs two busy processes and (b)–(d) one, other load on the machine slows (a) more than the ' +
    'in-process contenders: compare ratios from quiet runs (low "other CPU") only.'
  );
}
