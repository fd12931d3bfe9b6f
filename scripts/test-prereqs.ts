/**
 * Run before the tests: checks what the suites need from the machine (Node 24, PostgreSQL on
 * 127.0.0.1:5432, xmlsec1 and the SAML IdPs of test/interop) and, running as root on Debian,
 * installs missing Debian packages and starts a stopped PostgreSQL. Fails with a message saying
 * what is missing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(`Node.js 24 or newer is required (this is ${process.version}).`);
  process.exit(1);
}

const isRoot = process.getuid?.() === 0;
const hasApt = existsSync('/usr/bin/apt-get');

function run(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { stdio: 'inherit' });
}

let phpModules: string | undefined;
function phpHas(extension: string): boolean {
  try {
    phpModules ??= execFileSync('/usr/bin/php', ['-m'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return false;
  }
  return new RegExp(`^${extension}$`, 'm').test(phpModules);
}

/** Debian packages the suites use (test/interop runs real SAML IdPs), each with its presence check. */
const PACKAGES: Record<string, () => boolean> = {
  postgresql: () => ['/usr/bin', '/usr/local/bin'].some((d) => existsSync(`${d}/psql`)),
  xmlsec1: () => existsSync('/usr/bin/xmlsec1'),
  simplesamlphp: () => existsSync('/usr/share/simplesamlphp/www'),
  'php-cli': () => existsSync('/usr/bin/php'),
  'php-xml': () => phpHas('dom'), // simplesamlphp does not depend on it, and fails without it
  'php-mbstring': () => phpHas('mbstring'),
  'python3-pysaml2': () => existsSync('/usr/lib/python3/dist-packages/saml2'),
  // The browser tests drive Debian's Chromium with playwright-core (no browser download).
  chromium: () => existsSync('/usr/bin/chromium'),
};

const missing = Object.keys(PACKAGES).filter((name) => !PACKAGES[name]?.());
if (missing.length > 0) {
  if (!isRoot || !hasApt) {
    console.error(`Missing: ${missing.join(', ')}. Install them (apt-get install ...) and retry.`);
    process.exit(1);
  }
  run('apt-get', ['update']);
  run('apt-get', ['install', '-y', '--no-install-recommends', ...missing]);
}

function reachable(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.end();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

if (!(await reachable(5432))) {
  if (isRoot && existsSync('/etc/postgresql')) {
    const version = readdirSync('/etc/postgresql')[0];
    if (version) run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start']);
  }
  const deadline = Date.now() + 20_000;
  while (!(await reachable(5432)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  if (!(await reachable(5432))) {
    console.error('PostgreSQL is not reachable on 127.0.0.1:5432 (the repository suite runs on it).');
    process.exit(1);
  }
}
console.log('test prerequisites: ok');
