/**
 * Shared pieces of the HTTP property tests: an app over a real database whose tables can be
 * read directly (for before/after snapshots), fixtures with valid ids, the principals that
 * call the API, the table of every route, and the checks every response must pass.
 *
 * `startPropertyApp` mirrors test/support/app.ts#startTestApp but keeps the database handle,
 * so that a snapshot covers every table (audit events, sessions and memberships included),
 * not only what the admin API happens to show.
 */

import fc from 'fast-check';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { type Kysely, sql } from 'kysely';
import pino from 'pino';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { startSession } from '../../src/credentials/sessions.ts';
import { sha256Hex } from '../../src/credentials/tokens.ts';
import { buildApp } from '../../src/http/app.ts';
import type { App } from '../../src/http/context.ts';
import { wireErrorStatus } from '../../src/http/errors.ts';
import { publicSessionId } from '../../src/http/routes/own-sessions.ts';
import { generateSpKeyPair } from '../../src/saml/sp-keys.ts';
import { ping } from '../../src/store/connect.ts';
import type { Database } from '../../src/store/schema.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import { idpMetadata } from '../saml/http/idp-fixture.ts';
import { ADMIN_KEY, testBox } from '../support/app.ts';
import { type EngineName, openTestDatabase } from '../support/databases.ts';

/** Runs per property; PROPERTY_RUNS scales every property up (or down) at once. */
export function runs(n: number): number {
  const factor = Number(process.env.PROPERTY_RUNS_FACTOR ?? '1');
  return Math.max(1, Math.round(n * (Number.isFinite(factor) && factor > 0 ? factor : 1)));
}

// ---------------------------------------------------------------------------------------------
// App, database and snapshots
// ---------------------------------------------------------------------------------------------

export interface PropertyApp {
  engine: EngineName;
  app: App;
  store: Store;
  config: Config;
  db: Kysely<Database>;
  close(): Promise<void>;
}

export async function startPropertyApp(engine: EngineName): Promise<PropertyApp> {
  const db = await openTestDatabase(engine);
  const config = loadConfig({
    DATA_DIR: '/nonexistent-unused',
    DRAWBRIDGE_SECRET: 'test-secret-test-secret-test-secret-0000',
    DRAWBRIDGE_ADMIN_KEY: ADMIN_KEY,
    BASE_URL: 'http://drawbridge.test',
    NODE_ENV: 'test',
    // Property runs post hundreds of bodies to the ACS, and call every other sign-in route
    // hundreds of times, from one address; the limits have their own tests.
    SAML_ACS_RATE_LIMIT_PER_MINUTE: '1000000',
    OIDC_CALLBACK_RATE_LIMIT_PER_MINUTE: '1000000',
    SSO_LOGIN_START_RATE_LIMIT_PER_MINUTE: '1000000',
    CUSTOM_SIGN_IN_RATE_LIMIT_PER_MINUTE: '1000000',
    // Likewise for failed password sign-ins (the delays have their own tests), and domain
    // verification asks a closed loopback port, never the network.
    LOGIN_FREE_FAILURES_PER_ACCOUNT: '100',
    LOGIN_FREE_FAILURES_PER_IP: '100000',
    DNS_RESOLVERS: '127.0.0.1:9',
  });
  const store = createStore(db.handle);
  const app = await buildApp({
    config,
    store,
    box: testBox(),
    logger: pino({ level: 'silent' }),
    ping: () => ping(db.handle),
  });
  return {
    engine,
    app,
    store,
    config,
    db: db.handle.db,
    async close() {
      await app.close();
      await db.close();
    },
  };
}

export const TABLES = [
  'organisations',
  'users',
  'memberships',
  'groups',
  'group_memberships',
  'email_domains',
  'api_keys',
  'sessions',
  'login_traces',
  'audit_events',
  'settings',
  'saml_configurations',
  'oidc_configurations',
  'pending_logins',
  'replay_cache',
  'external_identities',
  'identity_link_requests',
  'login_throttles',
  'password_tokens',
  'login_policies',
] as const satisfies readonly (keyof Database)[];
// sp_keys is left out on purpose: the instance's SP key pairs are created on first use (by
// whichever request needs them first), which is key material appearing, not stored data changing.
export type TableName = (typeof TABLES)[number];

/**
 * Columns written by reads by design: an API key's last use (at most once a minute) and a
 * session's sliding expiry (at most once a minute). They are not "stored data" a refused
 * request could change.
 */
const VOLATILE_COLUMNS: Partial<Record<TableName, string[]>> = {
  api_keys: ['last_used_at'],
  sessions: ['last_seen_at', 'idle_expires_at'],
};

export type Snapshot = Record<TableName, string[]>;

/** Every row of every table, as sorted JSON lines, without the volatile columns. */
export async function snapshot(db: Kysely<Database>): Promise<Snapshot> {
  const out = {} as Snapshot;
  for (const table of TABLES) {
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db);
    const drop = VOLATILE_COLUMNS[table] ?? [];
    out[table] = rows
      .map((row) => {
        const kept = Object.fromEntries(
          Object.entries(row)
            .filter(([k]) => !drop.includes(k))
            .sort(([a], [b]) => (a < b ? -1 : 1)),
        );
        return JSON.stringify(kept, (_k, v) => (typeof v === 'bigint' ? Number(v) : v));
      })
      .sort();
  }
  return out;
}

/** A readable description of what changed between two snapshots (empty when nothing did). */
export function snapshotDiff(before: Snapshot, after: Snapshot, ignore: readonly TableName[] = []): string[] {
  const changes: string[] = [];
  for (const table of TABLES) {
    if (ignore.includes(table)) continue;
    const was = new Set(before[table]);
    const now = new Set(after[table]);
    const removed = before[table].filter((r) => !now.has(r));
    const added = after[table].filter((r) => !was.has(r));
    if (removed.length === 0 && added.length === 0) continue;
    changes.push(
      `${table}: ${removed.length} row(s) removed/changed, ${added.length} row(s) added/changed` +
        removed
          .slice(0, 2)
          .map((r) => `\n    - ${truncate(r, 400)}`)
          .join('') +
        added
          .slice(0, 2)
          .map((r) => `\n    + ${truncate(r, 400)}`)
          .join(''),
    );
  }
  return changes;
}

// ---------------------------------------------------------------------------------------------
// Fixtures and principals
// ---------------------------------------------------------------------------------------------

export const ORG_ADMIN_PASSWORD = 'correct horse battery staple';

export type PrincipalName =
  | 'instanceAdmin'
  | 'orgAdminSession'
  | 'orgAdminKey'
  | 'orgViewerKey'
  | 'otherOrgAdminKey'
  | 'anonymous';

export interface Fixture {
  t: PropertyApp;
  /** The organisation every route's :orgId points at. */
  orgId: string;
  /** A member (role member) of the fixture organisation: the :userId of user routes. */
  userId: string;
  /** The organisation admin behind the session cookie (never the target of a route). */
  orgAdminUserId: string;
  orgAdminEmail: string;
  groupId: string;
  domainId: string;
  /** A SAML configuration of the fixture organisation (with IdP metadata), the :name of SAML routes. */
  samlName: string;
  /** A (disabled, so no network) OIDC configuration of the fixture organisation, the :name of OIDC routes. */
  oidcName: string;
  /** A live organisation API key id (the :keyId of the organisation key routes). */
  orgKeyId: string;
  /** A live instance API key id (the :keyId of /api/v1/api-keys/:keyId). */
  instanceKeyId: string;
  /** Objects of another tenant: they exist, but never under the fixture organisation. */
  other: {
    orgId: string;
    userId: string;
    groupId: string;
    domainId: string;
    keyId: string;
    samlName: string;
    oidcName: string;
    /** A live session of the other tenant's user (the public id of /api/v1/auth/sessions). */
    sessionId: string;
  };
  headers: Record<PrincipalName, Record<string, string>>;
  /** Every id the fixtures made, so random ids can be told apart from real ones. */
  knownIds: Set<string>;
}

async function expectCreated(res: LightMyRequestResponse, what: string): Promise<Record<string, unknown>> {
  if (res.statusCode !== 201 && res.statusCode !== 200) {
    throw new Error(`fixture ${what} failed: ${res.statusCode} ${res.body}`);
  }
  return res.json() as Record<string, unknown>;
}

export async function createFixture(engine: EngineName): Promise<Fixture> {
  const t = await startPropertyApp(engine);
  const admin = { authorization: `Api-Key ${ADMIN_KEY}` };
  const post = (url: string, payload: unknown, headers: Record<string, string> = admin) =>
    t.app.inject({ method: 'POST', url, headers, payload: payload as InjectOptions['payload'] });

  const org = await expectCreated(
    await post('/api/v1/organisations', { name: 'Fixture Org', slug: 'fixture-org' }),
    'organisation',
  );
  const orgId = org.id as string;
  const o = `/api/v1/organisations/${orgId}`;
  const user = await expectCreated(
    await post(`${o}/users`, {
      email: 'member@fixture.example',
      firstName: 'Mem',
      lastName: 'Ber',
      role: 'member',
    }),
    'member',
  );
  const orgAdminEmail = 'org-admin@fixture.example';
  const orgAdmin = await expectCreated(
    await post(`${o}/users`, { email: orgAdminEmail, role: 'admin', password: ORG_ADMIN_PASSWORD }),
    'org admin',
  );
  const group = await expectCreated(
    await post(`${o}/groups`, { name: 'Engineering', externalId: 'eng' }),
    'group',
  );
  const domain = await expectCreated(await post(`${o}/domains`, { domain: 'fixture.example' }), 'domain');
  const samlName = 'fixture-saml';
  const idpKeys = await generateSpKeyPair('fixture idp');
  await expectCreated(
    await post(`${o}/saml-configurations`, {
      name: samlName,
      idpMetadataXml: idpMetadata('https://idp.fixture.example/', 'https://idp.fixture.example/sso', [
        idpKeys.certificatePem,
      ]),
    }),
    'SAML configuration',
  );
  const oidcName = 'fixture-oidc';
  const oidcConfiguration = (name: string) => ({
    name,
    provider: 'generic-oidc',
    issuer: 'https://idp.fixture.example',
    clientId: 'fixture-client',
    clientSecret: 'fixture-secret',
    enabled: false,
  });
  await expectCreated(
    await post(`${o}/oidc-configurations`, oidcConfiguration(oidcName)),
    'OIDC configuration',
  );
  const orgKey = await expectCreated(
    await post(`${o}/api-keys`, { name: 'org admin key', role: 'admin' }),
    'org key',
  );
  const viewerKey = await expectCreated(
    await post(`${o}/api-keys`, { name: 'org viewer key', role: 'admin_viewer' }),
    'viewer key',
  );
  const spareOrgKey = await expectCreated(
    await post(`${o}/api-keys`, { name: 'spare', role: 'admin' }),
    'spare key',
  );
  const instanceKey = await expectCreated(
    await post('/api/v1/api-keys', { name: 'spare instance key' }),
    'instance key',
  );
  const put = await t.app.inject({
    method: 'PUT',
    url: `${o}/groups/${group.id}/members/${user.id}`,
    headers: admin,
  });
  if (put.statusCode !== 204) throw new Error(`fixture group member failed: ${put.statusCode} ${put.body}`);

  const otherOrg = await expectCreated(
    await post('/api/v1/organisations', { name: 'Other Org', slug: 'other-org' }),
    'other organisation',
  );
  const oo = `/api/v1/organisations/${otherOrg.id}`;
  const otherUser = await expectCreated(
    await post(`${oo}/users`, { email: 'someone@other.example' }),
    'other user',
  );
  const otherGroup = await expectCreated(await post(`${oo}/groups`, { name: 'Other group' }), 'other group');
  const otherDomain = await expectCreated(
    await post(`${oo}/domains`, { domain: 'other.example' }),
    'other domain',
  );
  const otherKey = await expectCreated(await post(`${oo}/api-keys`, { name: 'other key' }), 'other key');
  const otherSession = await startSession(
    t.store,
    { idleSeconds: 86_400, absoluteSeconds: 86_400 },
    { userId: otherUser.id as string, method: 'password', ip: null, userAgent: null },
  );
  await expectCreated(
    await post(`${oo}/saml-configurations`, { name: 'other-saml' }),
    'other SAML configuration',
  );
  await expectCreated(
    await post(`${oo}/oidc-configurations`, oidcConfiguration('other-oidc')),
    'other OIDC configuration',
  );

  const login = await t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: orgAdminEmail, password: ORG_ADMIN_PASSWORD },
  });
  const cookie = login.cookies.find((c) => c.name === t.config.SESSION_COOKIE_NAME);
  if (login.statusCode !== 200 || !cookie)
    throw new Error(`fixture login failed: ${login.statusCode} ${login.body}`);

  const fixture: Fixture = {
    t,
    orgId,
    userId: user.id as string,
    orgAdminUserId: orgAdmin.id as string,
    orgAdminEmail,
    groupId: group.id as string,
    domainId: domain.id as string,
    samlName,
    oidcName,
    orgKeyId: spareOrgKey.id as string,
    instanceKeyId: instanceKey.id as string,
    other: {
      orgId: otherOrg.id as string,
      userId: otherUser.id as string,
      groupId: otherGroup.id as string,
      domainId: otherDomain.id as string,
      keyId: otherKey.id as string,
      samlName: 'other-saml',
      oidcName: 'other-oidc',
      sessionId: publicSessionId(sha256Hex(otherSession.cookieValue)),
    },
    headers: {
      instanceAdmin: admin,
      orgAdminSession: { cookie: `${t.config.SESSION_COOKIE_NAME}=${cookie.value}` },
      orgAdminKey: { authorization: `Api-Key ${orgKey.key as string}` },
      orgViewerKey: { authorization: `Api-Key ${viewerKey.key as string}` },
      otherOrgAdminKey: { authorization: `Api-Key ${otherKey.key as string}` },
      anonymous: {},
    },
    knownIds: new Set(),
  };
  for (const v of [
    fixture.orgId,
    fixture.userId,
    fixture.orgAdminUserId,
    fixture.groupId,
    fixture.domainId,
    fixture.orgKeyId,
    fixture.instanceKeyId,
    orgKey.id,
    viewerKey.id,
    ...Object.values(fixture.other),
  ]) {
    fixture.knownIds.add(v as string);
  }
  return fixture;
}

/** Callers weighted towards those that get past authorisation, so handlers run. */
export const principalArb: fc.Arbitrary<PrincipalName> = fc.oneof(
  { arbitrary: fc.constant<PrincipalName>('instanceAdmin'), weight: 4 },
  { arbitrary: fc.constant<PrincipalName>('orgAdminSession'), weight: 3 },
  { arbitrary: fc.constant<PrincipalName>('orgAdminKey'), weight: 2 },
  { arbitrary: fc.constant<PrincipalName>('orgViewerKey'), weight: 1 },
  { arbitrary: fc.constant<PrincipalName>('otherOrgAdminKey'), weight: 1 },
  { arbitrary: fc.constant<PrincipalName>('anonymous'), weight: 1 },
);

export const adminPrincipalArb: fc.Arbitrary<PrincipalName> = fc.constantFrom<PrincipalName>(
  'instanceAdmin',
  'orgAdminSession',
  'orgAdminKey',
);

// ---------------------------------------------------------------------------------------------
// Routes
// ---------------------------------------------------------------------------------------------

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface RouteSpec {
  method: Method;
  /** Fastify path with :params. */
  path: string;
  /** Whether the route needs a caller (every admin route does). */
  auth: boolean;
  /** Whether the route declares a body schema. */
  body: boolean;
  /** A body the route accepts (for routes with a body schema), fresh per call. */
  validBody?: (f: Fixture, n: number) => Record<string, unknown>;
  /** Field names and plausible values, for near-valid random bodies. */
  fields?: Record<string, fc.Arbitrary<unknown>>;
  /** Fields holding text (or, for attributes, a map of text), for the poisoned-text property. */
  textFields?: string[];
  /** Which fixture id fills each :param. */
  params?: (f: Fixture) => Record<string, string>;
  /** List routes and their query keys. */
  query?: string[];
  /** Writes login traces by design (failed sign-ins are recorded). */
  writesLoginTraces?: boolean;
  /** Ends the caller's session (logout, logout-all): never sent with the fixture session cookie. */
  endsSession?: boolean;
}

/** The headers of `principal` for `route` (the session cookie is never sent to logout). */
export function headersFor(f: Fixture, route: RouteSpec, principal: PrincipalName): Record<string, string> {
  if (route.endsSession && principal === 'orgAdminSession') return { ...f.headers.anonymous };
  return { ...f.headers[principal] };
}

/** Strings that break naive code: controls, NUL, lone surrogates, RTL, long, whitespace-only. */
/** Characters that trip up encoders, databases and normalisers, to build strings from. */
export const nastyChar: fc.Arbitrary<string> = fc.constantFrom(
  'a',
  'Z',
  '0',
  ' ',
  '\u0000',
  '\u0001',
  '\n',
  '\u007f',
  '\u0085',
  '\u00a0',
  '\u200b',
  '\u202e',
  '\ufeff',
  '\ud800',
  '\udfff',
  '\ud83d\udca5',
  'é',
  'e\u0301',
  'ß',
  'İ',
  'K',
  '%',
  '/',
  '\\',
  '.',
  '_',
  "'",
  '"',
  '@',
  '<',
);

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ unit: nastyChar, maxLength: 12 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }), weight: 2 },
  { arbitrary: fc.string({ maxLength: 40 }), weight: 2 },
  {
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '\t',
      '\u0000',
      'a\u0000b',
      '\ud800',
      'x\udfffy',
      '\u202e',
      '\ufeff',
      '..',
      '%00',
      '%',
      '__proto__',
      'constructor',
      "' OR 1=1 --",
      '"; DROP TABLE users; --',
      '\\',
      'null',
      '💥',
      'é',
      'e\u0301',
      'ADMIN',
      ' admin ',
      'proxy_admin',
    ),
    weight: 2,
  },
  { arbitrary: fc.string({ unit: 'binary', minLength: 200, maxLength: 600 }), weight: 1 },
  { arbitrary: fc.integer({ min: 1, max: 20_000 }).map((n) => 'a'.repeat(n)), weight: 1 },
);

/** Characters a database or an encoder may refuse: NUL, C0/C1 controls, lone surrogates, non-characters. */
export const poisonChar: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constant('\u0000'), weight: 3 },
  {
    arbitrary: fc.constantFrom(
      '\u0001',
      '\u001f',
      '\u007f',
      '\u0085',
      '\u2028',
      '\ud800',
      '\udfff',
      '\ufffe',
      '\uffff',
    ),
    weight: 3,
  },
);

/** Where poison goes so that the rest of a field's value still passes its schema. */
const POISON_SHAPES: Record<string, string[]> = {
  email: ['{}@example.com', 'u{}v@example.com'],
  domain: ['x{}.example.com'],
  password: ['long-enough-{}-password'],
  slug: ['{}'],
};

/**
 * Text for `field` with at least one poison character, inside an otherwise valid shape (an
 * email, a domain, a long password) so that it gets past the schema and reaches the database.
 */
export function poisonedText(field: string): fc.Arbitrary<string> {
  return fc
    .record({
      shape: fc.constantFrom(...(POISON_SHAPES[field] ?? ['{}', 'x{}y'])),
      before: fc.string({ unit: nastyChar, maxLength: 3 }),
      poison: poisonChar,
      after: fc.string({ unit: nastyChar, maxLength: 3 }),
    })
    .map(({ shape, before, poison, after }) => shape.replace('{}', `${before}${poison}${after}`));
}

const jsonLeaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  hostileString,
);

/** Any JSON value, leaning towards values a schema might half-accept. */
export const jsonArb: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 3 },
  { arbitrary: jsonLeaf, weight: 2 },
  { arbitrary: fc.array(jsonLeaf, { maxLength: 4 }), weight: 1 },
  {
    arbitrary: fc.dictionary(fc.oneof(hostileString, fc.constantFrom('__proto__', 'constructor')), jsonLeaf, {
      maxKeys: 4,
    }),
    weight: 1,
  },
  // Arbitrary JS objects and values, reduced to the JSON a client would actually send.
  {
    arbitrary: fc
      .oneof(fc.object({ maxDepth: 2 }), fc.anything({ maxDepth: 2 }))
      .map((v) => JSON.parse(JSON.stringify(v) ?? 'null') as unknown),
    weight: 1,
  },
);

const roleArb = fc.oneof(
  fc.constantFrom(
    'admin',
    'admin_viewer',
    'member',
    'member_viewer',
    'customer',
    'proxy_admin',
    ' Member ',
    null,
  ),
  hostileString,
);
const nameArb = fc.oneof(fc.string({ maxLength: 30 }), hostileString);
const emailArb = fc.oneof(
  fc.emailAddress(),
  hostileString,
  fc.string().map((s) => `${s}@example.com`),
);
const domainArb = fc.oneof(
  fc.domain(),
  hostileString,
  fc.domain().map((d) => `${d.toUpperCase()}.`),
);
const slugArb = fc.oneof(fc.stringMatching(/^[a-z0-9-]{1,70}$/), hostileString);
const attributesArb = fc.oneof(
  fc.dictionary(
    fc.oneof(fc.string({ maxLength: 120 }), fc.constantFrom('__proto__', '')),
    fc.jsonValue({ maxDepth: 3 }),
    {
      maxKeys: 5,
    },
  ),
  jsonArb,
);
const passwordArb = fc.oneof(
  fc.string({ minLength: 0, maxLength: 30 }),
  fc.string({ minLength: 250, maxLength: 300 }),
);

let counter = 0;
/** A fresh number for unique slugs, names and emails. */
export function fresh(): number {
  counter += 1;
  return counter;
}

const org = '/api/v1/organisations/:orgId';
const orgOnly = (f: Fixture) => ({ orgId: f.orgId });
const orgUser = (f: Fixture) => ({ orgId: f.orgId, userId: f.userId });
const orgGroup = (f: Fixture) => ({ orgId: f.orgId, groupId: f.groupId });
const orgSaml = (f: Fixture) => ({ orgId: f.orgId, name: f.samlName });
const samlName = (f: Fixture) => ({ name: f.samlName });
const boolArb = fc.oneof(fc.boolean(), hostileString);
const orgOidc = (f: Fixture) => ({ orgId: f.orgId, name: f.oidcName });
const oidcName = (f: Fixture) => ({ name: f.oidcName });
const urlArb = fc.oneof(fc.webUrl(), hostileString, fc.constant(null));
const oidcFields = {
  issuer: urlArb,
  authorizationEndpoint: urlArb,
  tokenEndpoint: urlArb,
  userinfoEndpoint: urlArb,
  clientId: hostileString,
  clientSecret: fc.oneof(hostileString, fc.constant(null)),
  clientAuth: fc.oneof(
    fc.constantFrom('client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'),
    hostileString,
  ),
  privateKeyPem: fc.oneof(hostileString, fc.constant(null)),
  scope: hostileString,
  usePkce: boolArb,
  extraHeaders: fc.oneof(fc.dictionary(hostileString, hostileString), jsonArb),
  claims: fc.oneof(
    fc.dictionary(fc.constantFrom('id', 'email', 'groups', 'extra', 'x'), hostileString),
    jsonArb,
  ),
  idTokenAlgorithms: fc.oneof(fc.subarray(['RS256', 'ES256', 'EdDSA', 'HS256', 'none']), jsonArb),
  defaultRole: roleArb,
  allowedEmailDomains: fc.oneof(fc.array(hostileString, { maxLength: 3 }), jsonArb),
  userDefaults: fc.oneof(attributesArb, jsonArb),
  tenant: fc.oneof(hostileString, fc.constant(null)),
  enabled: boolArb,
};
const samlFields = {
  allowIdpInitiated: boolArb,
  idpMetadataXml: fc.oneof(hostileString, fc.constant('<md:EntityDescriptor/>'), fc.constant(null)),
  frontendUrl: fc.oneof(fc.webUrl(), hostileString, fc.constant(null)),
  attributeMappings: fc.oneof(
    fc.dictionary(fc.constantFrom('email', 'groups', 'role', 'x'), hostileString),
    jsonArb,
  ),
  defaultRole: roleArb,
  allowSha1: boolArb,
  wantAssertionsEncrypted: boolArb,
  requireSignedAssertion: boolArb,
  signAuthnRequests: boolArb,
  maxAssertionAgeSeconds: fc.oneof(fc.integer({ min: -10, max: 700_000 }), fc.constant(null), hostileString),
  requiredAuthnContexts: fc.oneof(fc.array(hostileString, { maxLength: 3 }), jsonArb),
  enabled: boolArb,
};

export const ROUTES: RouteSpec[] = [
  { method: 'GET', path: '/healthz', auth: false, body: false },
  { method: 'GET', path: '/readyz', auth: false, body: false },
  { method: 'GET', path: '/metrics', auth: false, body: false },
  {
    method: 'POST',
    path: '/api/v1/auth/login',
    auth: false,
    body: true,
    writesLoginTraces: true,
    validBody: (f) => ({ email: f.orgAdminEmail, password: 'not the password' }),
    fields: { email: emailArb, password: passwordArb },
    textFields: ['email', 'password'],
  },
  { method: 'GET', path: '/api/v1/auth/me', auth: true, body: false },
  { method: 'POST', path: '/api/v1/auth/logout', auth: false, body: false, endsSession: true },
  {
    method: 'POST',
    path: '/api/v1/auth/password',
    auth: true,
    body: true,
    writesLoginTraces: true,
    validBody: () => ({ currentPassword: 'not the password', newPassword: 'a brand new long passphrase' }),
    fields: { currentPassword: passwordArb, newPassword: passwordArb },
    textFields: ['currentPassword', 'newPassword'],
  },
  {
    method: 'POST',
    path: '/api/v1/auth/invitations/accept',
    auth: false,
    body: true,
    validBody: () => ({ token: 'no-such-invitation-token', password: 'a brand new long passphrase' }),
    fields: { token: fc.oneof(fc.base64String(), hostileString), password: passwordArb },
    textFields: ['token', 'password'],
  },
  {
    method: 'POST',
    path: '/api/v1/auth/password-reset',
    auth: false,
    body: true,
    validBody: () => ({ token: 'no-such-reset-token', password: 'a brand new long passphrase' }),
    fields: { token: fc.oneof(fc.base64String(), hostileString), password: passwordArb },
    textFields: ['token', 'password'],
  },
  { method: 'GET', path: '/api/v1/auth/sessions', auth: true, body: false },
  {
    method: 'DELETE',
    path: '/api/v1/auth/sessions/:sessionId',
    auth: true,
    body: false,
    endsSession: true,
    params: () => ({ sessionId: '0123456789abcdef0123456789abcdef' }),
  },
  { method: 'POST', path: '/api/v1/auth/logout-all', auth: true, body: false, endsSession: true },
  {
    method: 'POST',
    path: `${org}/invitations`,
    auth: true,
    body: true,
    params: orgOnly,
    validBody: (_f, n) => ({ email: `invited-${n}@fixture.example`, role: 'member' }),
    fields: { email: emailArb, firstName: nameArb, lastName: nameArb, role: roleArb },
    textFields: ['email', 'firstName', 'lastName', 'role'],
  },
  { method: 'POST', path: `${org}/users/:userId/password-reset`, auth: true, body: false, params: orgUser },
  { method: 'GET', path: `${org}/login-policy`, auth: true, body: false, params: orgOnly },
  {
    method: 'PATCH',
    path: `${org}/login-policy`,
    auth: true,
    body: true,
    params: orgOnly,
    validBody: () => ({ allowedLoginMethods: ['password', 'saml', 'oidc'] }),
    fields: {
      allowedLoginMethods: fc.oneof(fc.subarray(['password', 'saml', 'oidc', 'carrier-pigeon']), jsonArb),
      defaultSso: fc.oneof(
        fc.record({
          protocol: fc.constantFrom('saml', 'oidc', 'ldap'),
          name: fc.oneof(fc.constant('fixture-saml'), hostileString),
        }),
        fc.constant(null),
        jsonArb,
      ),
    },
  },
  {
    method: 'POST',
    path: `${org}/domains/:domainId/verify`,
    auth: true,
    body: false,
    params: (f) => ({ orgId: f.orgId, domainId: f.domainId }),
  },

  {
    method: 'POST',
    path: '/api/v1/organisations',
    auth: true,
    body: true,
    validBody: (_f, n) => ({ name: `Org ${n}`, slug: `org-${n}` }),
    fields: { name: nameArb, slug: slugArb },
    textFields: ['name', 'slug'],
  },
  { method: 'GET', path: '/api/v1/organisations', auth: true, body: false, query: ['limit', 'cursor'] },
  { method: 'GET', path: org, auth: true, body: false, params: orgOnly },
  {
    method: 'PATCH',
    path: org,
    auth: true,
    body: true,
    params: orgOnly,
    validBody: (_f, n) => ({ name: `Renamed ${n}` }),
    fields: { name: nameArb, slug: slugArb },
    textFields: ['name', 'slug'],
  },
  { method: 'DELETE', path: org, auth: true, body: false, params: orgOnly },

  {
    method: 'GET',
    path: `${org}/users`,
    auth: true,
    body: false,
    params: orgOnly,
    query: ['limit', 'cursor', 'search'],
  },
  {
    method: 'POST',
    path: `${org}/users`,
    auth: true,
    body: true,
    params: orgOnly,
    validBody: (_f, n) => ({ email: `new-${n}@fixture.example`, firstName: 'New', role: 'member' }),
    fields: {
      email: emailArb,
      firstName: nameArb,
      lastName: nameArb,
      role: roleArb,
      password: passwordArb,
      attributes: attributesArb,
    },
    textFields: ['email', 'firstName', 'lastName', 'role', 'password', 'attributes'],
  },
  { method: 'GET', path: `${org}/users/:userId`, auth: true, body: false, params: orgUser },
  {
    method: 'PATCH',
    path: `${org}/users/:userId`,
    auth: true,
    body: true,
    params: orgUser,
    validBody: (_f, n) => ({ firstName: `First ${n}` }),
    fields: { firstName: nameArb, lastName: nameArb, role: roleArb, attributes: attributesArb },
    textFields: ['firstName', 'lastName', 'role', 'attributes'],
  },
  { method: 'POST', path: `${org}/users/:userId/disable`, auth: true, body: false, params: orgUser },
  { method: 'POST', path: `${org}/users/:userId/enable`, auth: true, body: false, params: orgUser },
  { method: 'POST', path: `${org}/users/:userId/revoke-sessions`, auth: true, body: false, params: orgUser },
  { method: 'DELETE', path: `${org}/users/:userId`, auth: true, body: false, params: orgUser },

  { method: 'GET', path: `${org}/groups`, auth: true, body: false, params: orgOnly },
  {
    method: 'POST',
    path: `${org}/groups`,
    auth: true,
    body: true,
    params: orgOnly,
    validBody: (_f, n) => ({ name: `Group ${n}` }),
    fields: {
      name: nameArb,
      externalId: fc.oneof(hostileString, fc.constant(null)),
      addNewUsersByDefault: fc.oneof(fc.boolean(), jsonArb),
      role: roleArb,
    },
    textFields: ['name', 'externalId', 'role'],
  },
  { method: 'GET', path: `${org}/groups/:groupId`, auth: true, body: false, params: orgGroup },
  {
    method: 'PATCH',
    path: `${org}/groups/:groupId`,
    auth: true,
    body: true,
    params: orgGroup,
    validBody: (_f, n) => ({ name: `Group renamed ${n}` }),
    fields: {
      name: nameArb,
      externalId: fc.oneof(hostileString, fc.constant(null)),
      addNewUsersByDefault: fc.oneof(fc.boolean(), jsonArb),
      role: roleArb,
    },
    textFields: ['name', 'externalId', 'role'],
  },
  { method: 'DELETE', path: `${org}/groups/:groupId`, auth: true, body: false, params: orgGroup },
  { method: 'GET', path: `${org}/groups/:groupId/members`, auth: true, body: false, params: orgGroup },
  {
    method: 'PUT',
    path: `${org}/groups/:groupId/members/:userId`,
    auth: true,
    body: false,
    params: (f) => ({ orgId: f.orgId, groupId: f.groupId, userId: f.userId }),
  },
  {
    method: 'DELETE',
    path: `${org}/groups/:groupId/members/:userId`,
    auth: true,
    body: false,
    params: (f) => ({ orgId: f.orgId, groupId: f.groupId, userId: f.userId }),
  },

  { method: 'GET', path: `${org}/domains`, auth: true, body: false, params: orgOnly },
  {
    method: 'POST',
    path: `${org}/domains`,
    auth: true,
    body: true,
    params: orgOnly,
    validBody: (_f, n) => ({ domain: `d${n}.fixture-domains.example` }),
    fields: {
      domain: domainArb,
      verified: fc.oneof(fc.boolean(), jsonArb),
      enforceSso: fc.oneof(fc.boolean(), jsonArb),
    },
    textFields: ['domain'],
  },
  {
    method: 'GET',
    path: `${org}/domains/:domainId`,
    auth: true,
    body: false,
    params: (f) => ({ orgId: f.orgId, domainId: f.domainId }),
  },
  {
    method: 'PATCH',
    path: `${org}/domains/:domainId`,
    auth: true,
    body: true,
    params: (f) => ({ orgId: f.orgId, domainId: f.domainId }),
    validBody: () => ({ enforceSso: false }),
    fields: { verified: fc.oneof(fc.boolean(), jsonArb), enforceSso: fc.oneof(fc.boolean(), jsonArb) },
  },
  {
    method: 'DELETE',
    path: `${org}/domains/:domainId`,
    auth: true,
    body: false,
    params: (f) => ({ orgId: f.orgId, domainId: f.domainId }),
  },

  {
    method: 'POST',
    path: '/api/v1/api-keys',
    auth: true,
    body: true,
    validBody: (_f, n) => ({ name: `Instance key ${n}` }),
    fields: { name: nameArb },
    textFields: ['name'],
  },
  { method: 'GET', path: '/api/v1/api-keys', auth: true, body: false },
  {
    method: 'DELETE',
    path: '/api/v1/api-keys/:keyId',
    auth: true,
    body: false,
    params: (f) => ({ keyId: f.instanceKeyId }),
  },
  {
    method: 'POST',
    path: `${org}/api-keys`,
    auth: true,
    body: true,
    params: orgOnly,
    validBody: (_f, n) => ({ name: `Org key ${n}`, role: 'admin_viewer' }),
    fields: { name: nameArb, role: roleArb },
    textFields: ['name', 'role'],
  },
  { method: 'GET', path: `${org}/api-keys`, auth: true, body: false, params: orgOnly },
  {
    method: 'DELETE',
    path: `${org}/api-keys/:keyId`,
    auth: true,
    body: false,
    params: (f) => ({ orgId: f.orgId, keyId: f.orgKeyId }),
  },

  {
    method: 'GET',
    path: `${org}/login-traces`,
    auth: true,
    body: false,
    params: orgOnly,
    query: ['limit', 'cursor'],
  },
  {
    method: 'GET',
    path: `${org}/audit-events`,
    auth: true,
    body: false,
    params: orgOnly,
    query: ['limit', 'cursor'],
  },

  {
    method: 'POST',
    path: `${org}/saml-configurations`,
    auth: true,
    body: true,
    params: orgOnly,
    validBody: (_f, n) => ({ name: `saml-${n}` }),
    fields: { name: fc.oneof(fc.stringMatching(/^[a-z0-9_-]{1,70}$/), hostileString), ...samlFields },
    textFields: ['name', 'idpMetadataXml', 'frontendUrl', 'defaultRole'],
  },
  { method: 'GET', path: `${org}/saml-configurations`, auth: true, body: false, params: orgOnly },
  { method: 'GET', path: `${org}/saml-configurations/:name`, auth: true, body: false, params: orgSaml },
  {
    method: 'PATCH',
    path: `${org}/saml-configurations/:name`,
    auth: true,
    body: true,
    params: orgSaml,
    validBody: () => ({ enabled: true }),
    fields: samlFields,
    textFields: ['idpMetadataXml', 'frontendUrl', 'defaultRole'],
  },
  { method: 'DELETE', path: `${org}/saml-configurations/:name`, auth: true, body: false, params: orgSaml },
  { method: 'GET', path: '/api/v1/saml/sp-keys', auth: true, body: false },
  {
    method: 'POST',
    path: '/api/v1/saml/sp-keys/rotate',
    auth: true,
    body: true,
    validBody: () => ({ use: 'signing', step: 'begin' }),
    fields: {
      use: fc.oneof(fc.constantFrom('signing', 'encryption'), hostileString),
      step: fc.oneof(fc.constantFrom('begin', 'complete'), hostileString),
    },
    textFields: ['use', 'step'],
  },
  { method: 'GET', path: '/api/v1/auth/saml/:name/metadata/', auth: false, body: false, params: samlName },
  { method: 'GET', path: '/api/v1/auth/saml/:name/login/', auth: false, body: false, params: samlName },
  { method: 'GET', path: '/api/v1/auth/saml/login/', auth: false, body: false },
  {
    method: 'POST',
    path: '/api/v1/auth/saml/:name/response/',
    auth: false,
    body: true,
    params: samlName,
    writesLoginTraces: true,
    validBody: () => ({ SAMLResponse: Buffer.from('<samlp:Response/>').toString('base64') }),
    fields: { SAMLResponse: fc.oneof(hostileString, fc.base64String()), RelayState: hostileString },
    textFields: ['SAMLResponse', 'RelayState'],
  },
  {
    method: 'POST',
    path: `${org}/oidc-configurations`,
    auth: true,
    body: true,
    params: orgOnly,
    validBody: (_f, n) => ({ name: `oidc-${n}`, provider: 'google', clientId: 'c', clientSecret: 's' }),
    fields: {
      name: fc.oneof(fc.stringMatching(/^[a-z0-9_-]{1,70}$/), hostileString),
      provider: fc.oneof(
        fc.constantFrom('google', 'microsoft', 'okta', 'github', 'generic-oidc', 'generic-oauth2'),
        hostileString,
      ),
      ...oidcFields,
    },
    textFields: ['name', 'issuer', 'clientId', 'clientSecret', 'scope', 'defaultRole'],
  },
  { method: 'GET', path: `${org}/oidc-configurations`, auth: true, body: false, params: orgOnly },
  { method: 'GET', path: `${org}/oidc-configurations/:name`, auth: true, body: false, params: orgOidc },
  {
    method: 'PATCH',
    path: `${org}/oidc-configurations/:name`,
    auth: true,
    body: true,
    params: orgOidc,
    validBody: () => ({ enabled: false }),
    fields: oidcFields,
    textFields: ['issuer', 'clientId', 'clientSecret', 'scope', 'defaultRole'],
  },
  { method: 'DELETE', path: `${org}/oidc-configurations/:name`, auth: true, body: false, params: orgOidc },
  { method: 'GET', path: '/api/v1/identity-link-requests', auth: true, body: false },
  {
    method: 'POST',
    path: '/api/v1/identity-link-requests/:id/confirm',
    auth: true,
    body: false,
    params: () => ({ id: 'no-such-link-request' }),
  },
  { method: 'GET', path: '/api/v1/auth/oidc/:name/login/', auth: false, body: false, params: oidcName },
  {
    method: 'GET',
    path: '/api/v1/auth/oidc/:name/callback/',
    auth: false,
    body: false,
    params: oidcName,
    writesLoginTraces: true,
  },
  // Off by default (TRUSTED_HEADER_ENABLED, CUSTOM_SIGN_IN_HANDLER): 404 with a code, nothing written.
  { method: 'GET', path: '/api/v1/auth/trusted-header/login/', auth: false, body: false },
  { method: 'GET', path: '/api/v1/auth/custom/login/', auth: false, body: false },
];

export const WRITE_ROUTES = ROUTES.filter((r) => r.method !== 'GET');
export const BODY_ROUTES = ROUTES.filter((r) => r.body);
export const PARAM_ROUTES = ROUTES.filter((r) => r.path.includes(':'));
export const ADMIN_ROUTES = ROUTES.filter((r) => r.auth);

export const routeName = (r: RouteSpec): string => `${r.method} ${r.path}`;

/** A route picked by its name, so that counterexamples print "POST /api/v1/..." rather than the spec. */
export const routeArb = (list: RouteSpec[]): fc.Arbitrary<RouteSpec> =>
  fc.constantFrom(...list.map(routeName)).map((n) => list.find((r) => routeName(r) === n)!);

export function paramNames(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]!);
}

/** Percent-encodes every byte of the UTF-8 form except unreserved letters and digits. */
export function encodeSegment(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9_~-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The URL of `route` with each :param replaced (already-encoded values are taken as they are). */
export function urlFor(route: RouteSpec, values: Record<string, string>): string {
  return route.path.replace(/:([A-Za-z]+)/g, (_m, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`no value for :${name} in ${route.path}`);
    return v;
  });
}

export function validUrl(route: RouteSpec, f: Fixture): string {
  const values = route.params ? route.params(f) : {};
  return urlFor(route, Object.fromEntries(Object.entries(values).map(([k, v]) => [k, encodeSegment(v)])));
}

// ---------------------------------------------------------------------------------------------
// Sending and checking
// ---------------------------------------------------------------------------------------------

export interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
}

export interface Outcome {
  sent: Sent;
  status: number;
  body: string;
  contentType: string | undefined;
}

export async function send(f: Fixture, sent: Sent): Promise<Outcome> {
  const res = await f.t.app.inject({
    method: sent.method as InjectOptions['method'],
    url: sent.url,
    // Sign-in pages answer people with HTML and clients that ask for JSON with the error format.
    headers: { accept: 'application/json', ...sent.headers },
    ...(sent.payload !== undefined ? { payload: sent.payload } : {}),
  });
  const ct = res.headers['content-type'];
  return {
    sent,
    status: res.statusCode,
    body: res.body,
    contentType: typeof ct === 'string' ? ct : undefined,
  };
}

export function truncate(s: string, n = 600): string {
  return s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s;
}

/** Method, URL, headers, body and the answer, in a form to paste into a bug report. */
export function describeOutcome(o: Outcome): string {
  const payload =
    o.sent.payload === undefined
      ? '(none)'
      : typeof o.sent.payload === 'string'
        ? JSON.stringify(truncate(o.sent.payload))
        : `<${o.sent.payload.length} bytes>`;
  const headers = Object.fromEntries(
    Object.entries(o.sent.headers).map(([k, v]) => [
      k,
      k === 'authorization' || k === 'cookie' ? truncate(v, 80) : v,
    ]),
  );
  return [
    `  request:  ${o.sent.method} ${truncate(o.sent.url, 400)}`,
    `  headers:  ${JSON.stringify(headers)}`,
    `  body:     ${payload}`,
    `  response: ${o.status} ${truncate(o.body)}`,
  ].join('\n');
}

export class PropertyViolation extends Error {
  override name = 'PropertyViolation';
}

const SNAKE_CASE = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;

/**
 * The invariants of every answer: no 5xx, and an error is `{ error: { code, message } }` with
 * a lowercase snake_case code from the closed set, sent with the status the table gives it.
 */
export function answerProblem(o: Outcome): string | undefined {
  if (o.status >= 500) return `server error ${o.status}`;
  if (o.status < 400) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(o.body);
  } catch {
    return 'error body is not JSON';
  }
  const error = (parsed as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    typeof error !== 'object' ||
    error === null ||
    typeof error.code !== 'string' ||
    typeof error.message !== 'string'
  ) {
    return 'error body is not { error: { code, message } }';
  }
  if (!SNAKE_CASE.test(error.code)) return `error code ${JSON.stringify(error.code)} is not snake_case`;
  const expected = wireErrorStatus(error.code);
  if (expected === undefined) return `error code ${JSON.stringify(error.code)} is not a known wire code`;
  if (expected !== o.status)
    return `error code ${error.code} belongs with ${expected} but came with ${o.status}`;
  if (!o.contentType?.startsWith('application/json')) return `error content-type is ${o.contentType}`;
  return undefined;
}

export function checkAnswer(o: Outcome): void {
  const problem = answerProblem(o);
  if (problem) throw new PropertyViolation(`${problem}\n${describeOutcome(o)}`);
}

export function errorCode(o: Outcome): string | undefined {
  try {
    return (JSON.parse(o.body) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

export interface ExchangeOptions {
  /** Tables a refused request may still write by design (login_traces for sign-in). */
  mayWrite?: readonly TableName[];
  /** Whether a 2xx is acceptable too; if false, the data must be unchanged whatever the answer. */
  readOnly?: boolean;
}

/**
 * Sends one request between two snapshots and checks the answer; a refused request (status
 * ≥ 400) — or any request when `readOnly` — must leave every table as it was.
 */
export async function exchange(f: Fixture, sent: Sent, opts: ExchangeOptions = {}): Promise<Outcome> {
  const before = await snapshot(f.t.db);
  // A failed sign-in records its trace and counts the failure (per account and address).
  const mayWrite: readonly TableName[] = opts.mayWrite?.includes('login_traces')
    ? [...opts.mayWrite, 'login_throttles']
    : (opts.mayWrite ?? []);
  const o = await send(f, sent);
  const problems: string[] = [];
  const problem = answerProblem(o);
  if (problem) problems.push(problem);
  // A 5xx counts as refused too: it must not have left a partial write behind.
  if (o.status >= 400 || opts.readOnly) {
    const changes = snapshotDiff(before, await snapshot(f.t.db), mayWrite);
    if (changes.length > 0) {
      problems.push(
        `${o.status >= 400 ? 'refused' : 'read-only'} request changed stored data:\n  ${changes.join('\n  ')}`,
      );
    }
  }
  if (problems.length > 0) throw new PropertyViolation(`${problems.join('\n')}\n${describeOutcome(o)}`);
  return o;
}

/** JSON text for a payload; `undefined` and other non-JSON values are sent as their closest JSON. */
export function jsonText(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}
