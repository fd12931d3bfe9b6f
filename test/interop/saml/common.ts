/**
 * What both IdP launchers share: the public types, default users, attribute naming, test keys,
 * free ports, and running an IdP as a process group on 127.0.0.1 with a readiness deadline.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The SP metadata XML as Drawbridge will serve it, plus the two values the harness needs from it. */
export interface SpDescription {
  entityId: string;
  acsUrl: string;
  metadataXml: string;
}

export interface RunningIdp {
  kind: 'simplesamlphp' | 'pysaml2';
  entityId: string;
  metadataUrl: string;
  metadataXml: string;
  /** SingleSignOnService, HTTP-Redirect binding: where an SP sends `?SAMLRequest=…&RelayState=…`. */
  ssoRedirectUrl: string;
  signingCertPem: string;
  /** http://127.0.0.1:PORT */
  baseUrl: string;
  /** Where a browser starts an IdP-initiated (unsolicited) login to `spEntityId`. */
  idpInitiatedUrl(spEntityId: string, relayState?: string): string;
  /** Replaces the trusted SP metadata; both IdPs pick it up on their next request, no restart. */
  setSp(sp: SpDescription): void;
  /** What the IdP process printed (last 16 KiB), for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

export interface IdpUser {
  password: string;
  /** Local attribute names (email, givenName, sn, uid, groups, displayName, role); values always arrays. */
  attributes: Record<string, string[]>;
}

export interface IdpOptions {
  sp: SpDescription;
  /** A free port if absent. */
  port?: number;
  /** Default: DEFAULT_USERS. Every user needs an `email` (it becomes the NameID). */
  users?: Record<string, IdpUser>;
  /** Default: a fresh RSA-2048 key and self-signed certificate per run. */
  signingKey?: { keyPem: string; certPem: string };
  /** What gets signed; default 'both'. pysaml2 also takes `sign=` per login (see idpInitiatedUrl). */
  sign?: 'both' | 'response' | 'assertion';
  /** Encrypt the assertion to the encryption certificate of the SP metadata. */
  encryptAssertion?: boolean;
  /** 'basic' (default): local names, Okta-like. 'uri': ENTRA_CLAIM_URIS names, Entra-like. */
  attributeNameFormat?: 'basic' | 'uri';
}

export const DEFAULT_USERS: Record<string, IdpUser> = {
  alice: {
    password: 'alicepass',
    attributes: {
      uid: ['alice'],
      email: ['alice@example.test'],
      givenName: ['Alice'],
      sn: ['Liddell'],
      groups: ['engineering', 'sso-admins'],
    },
  },
  bob: {
    password: 'bobpass',
    attributes: {
      uid: ['bob'],
      email: ['bob@example.test'],
      givenName: ['Bob'],
      sn: ['Builder'],
      groups: ['sales'],
    },
  },
};

export const NAME_FORMATS = {
  basic: 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic',
  uri: 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri',
} as const;

/** Names emitted with attributeNameFormat 'uri' (Microsoft Entra ID's claim types); others pass unchanged. */
export const ENTRA_CLAIM_URIS: Record<string, string> = {
  email: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
  givenName: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname',
  sn: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname',
  uid: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name',
  displayName: 'http://schemas.microsoft.com/identity/claims/displayname',
  groups: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups',
  role: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role',
};

const PREREQS = 'run `node scripts/test-prereqs.ts` as root to install the test prerequisites';

/** Fails (never skips) when a Debian package the IdPs need is missing. */
export function requireFiles(what: string, paths: string[]): void {
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length > 0)
    throw new Error(`${what} is not installed (missing ${missing.join(', ')}): ${PREREQS}`);
}

export function requirePhpExtensions(names: string[]): void {
  requireFiles('PHP', ['/usr/bin/php']);
  const loaded = execFileSync('/usr/bin/php', ['-m'], { encoding: 'utf8', timeout: 10_000 });
  const missing = names.filter((n) => !new RegExp(`^${n}$`, 'im').test(loaded));
  if (missing.length > 0) throw new Error(`PHP extensions missing: ${missing.join(', ')}: ${PREREQS}`);
}

/** A port nobody listens on right now (the kernel picked it for a listener on port 0). */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') return fail(new Error('no port'));
      server.close(() => done(address.port));
    });
  });
}

/** DER: a tag, its length, its content. */
function der(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  const n = body.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...length]), body]);
}
const oid = (bytes: number[]) => der(0x06, Buffer.from(bytes));
const utcTime = (d: Date) => der(0x17, Buffer.from(`${d.toISOString().slice(2, 19).replace(/\D/g, '')}Z`));

/**
 * A test-only RSA-2048 key (PKCS#8 PEM) and a self-signed SHA-256 certificate for it, built with
 * node:crypto alone (@peculiar/x509 would need a Reflect polyfill; no openssl binary needed).
 */
export function generateKeyPair(commonName: string): { keyPem: string; certPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const sha256WithRsa = der(0x30, oid([0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b]), der(0x05));
  const name = der(0x31, der(0x30, oid([0x55, 0x04, 0x03]), der(0x0c, Buffer.from(commonName))));
  const now = Date.now();
  const tbs = der(
    0x30,
    der(0xa0, der(0x02, Buffer.from([2]))), // v3
    der(0x02, Buffer.concat([Buffer.from([1]), randomBytes(8)])), // positive serial
    sha256WithRsa,
    der(0x30, name),
    der(0x30, utcTime(new Date(now - 3_600_000)), utcTime(new Date(now + 10 * 365 * 86_400_000))),
    der(0x30, name),
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = sign('sha256', tbs, privateKey);
  const cert = der(0x30, tbs, sha256WithRsa, der(0x03, Buffer.from([0]), signature));
  const lines = cert.toString('base64').match(/.{1,64}/g) ?? [];
  return {
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certPem: `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`,
  };
}

/** The certificate's DER as base64 on one line, as in ds:X509Certificate. */
export function certBase64(certPem: string): string {
  return certPem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, '');
}

/** Everything a launcher needs, defaults applied and users checked. */
export interface Run {
  port: number;
  baseUrl: string;
  dir: string;
  users: Record<string, IdpUser>;
  signingKey: { keyPem: string; certPem: string };
  sign: 'both' | 'response' | 'assertion';
  encryptAssertion: boolean;
  nameFormat: string;
  attributeNames: Record<string, string>;
  spMetadataFile: string;
}

export async function prepareRun(kind: string, options: IdpOptions): Promise<Run> {
  const users = options.users ?? DEFAULT_USERS;
  for (const [name, user] of Object.entries(users)) {
    if (!/^[\w.@-]+$/.test(name)) throw new Error(`user name ${JSON.stringify(name)}: use [A-Za-z0-9_.@-]`);
    if (user.attributes.email?.length !== 1)
      throw new Error(`user ${name} needs exactly one email (the NameID)`);
  }
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), `drawbridge-${kind}-`));
  const run: Run = {
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    dir,
    users,
    signingKey: options.signingKey ?? generateKeyPair(`${kind}-idp.test`),
    sign: options.sign ?? 'both',
    encryptAssertion: options.encryptAssertion ?? false,
    nameFormat: NAME_FORMATS[options.attributeNameFormat ?? 'basic'],
    attributeNames: options.attributeNameFormat === 'uri' ? ENTRA_CLAIM_URIS : {},
    spMetadataFile: join(dir, 'sp-metadata.xml'),
  };
  writeSpMetadata(run, options.sp);
  return run;
}

/** Atomic replace: a request in flight sees the old file or the new one, never half of one. */
export function writeSpMetadata(run: Run, sp: SpDescription): void {
  if (!sp.metadataXml.includes(sp.entityId)) throw new Error('SP metadata does not contain its entityId');
  writeFileSync(`${run.spMetadataFile}.tmp`, sp.metadataXml);
  renameSync(`${run.spMetadataFile}.tmp`, run.spMetadataFile);
}

/** Process groups still running, killed if this process exits without stopping them. */
const live = new Set<number>();
process.once('exit', () => {
  for (const pgid of live) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {}
  }
});

export interface IdpProcess {
  /** The readiness URL's body (the IdP's metadata). */
  readyBody: string;
  output(): string;
  stop(): Promise<void>;
}

function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((done) => {
    const timer = setTimeout(() => done(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      done(true);
    });
  });
}

/**
 * Starts `command` as the leader of its own process group and polls `readyUrl` until it answers
 * 200 or `deadlineMs` passes. stop() ends the whole group (TERM, then KILL) and removes `dir`.
 */
export async function startIdpProcess(spec: {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  dir: string;
  readyUrl: string;
  deadlineMs?: number;
}): Promise<IdpProcess> {
  const child = spawn(spec.command, spec.args, {
    cwd: spec.dir,
    env: { ...process.env, ...spec.env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-16_384);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const spawned = new Promise<void>((done, fail) => {
    child.once('spawn', done);
    child.once('error', fail);
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    const pgid = child.pid;
    if (pgid !== undefined && !(await exited(child, 0))) {
      for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
        try {
          process.kill(-pgid, signal);
        } catch {}
        if (await exited(child, 3_000)) break;
      }
    }
    if (pgid !== undefined) live.delete(pgid);
    rmSync(spec.dir, { recursive: true, force: true });
  };
  try {
    await spawned;
    if (child.pid !== undefined) live.add(child.pid);
    const deadline = Date.now() + (spec.deadlineMs ?? 15_000);
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${spec.name} exited (${child.exitCode ?? child.signalCode}) before it was ready`);
      }
      try {
        const res = await fetch(spec.readyUrl, { signal: AbortSignal.timeout(2_000) });
        const body = await res.text();
        if (!res.ok) throw new Error(`${spec.readyUrl} answered HTTP ${res.status}: ${body.slice(0, 800)}`);
        return { readyBody: body, output: () => log, stop };
      } catch (error) {
        // not listening yet (fetch's TypeError) or slow: try again; any answer but 200 is final
        if (!(error instanceof TypeError || (error as Error).name === 'TimeoutError')) throw error;
      }
      if (Date.now() > deadline) throw new Error(`${spec.name} not ready at ${spec.readyUrl} in time`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (error) {
    await stop();
    throw new Error(`${spec.name} did not start: ${(error as Error).message}\n--- its output ---\n${log}`, {
      cause: error,
    });
  }
}
