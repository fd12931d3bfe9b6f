/**
 * Password sign-in beyond one instance's defaults: PASSWORD_LOGIN_ENABLED=false with the
 * break-glass instance-admin login, and failed sign-ins counted across two instances sharing
 * one PostgreSQL (the clock is frozen, never slept on).
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hashPassword } from '../../src/credentials/passwords.ts';
import { buildApp } from '../../src/http/app.ts';
import { migrate, openDatabase, ping } from '../../src/store/connect.ts';
import { createStore } from '../../src/store/store.ts';
import { createOrganisation, createPerson, PASSWORD, unique } from '../support/actors.ts';
import { startTestApp, type TestApp, testBox, testConfig } from '../support/app.ts';
import { createPostgresDatabase } from '../support/databases.ts';

const LOGIN = '/api/v1/auth/login';
const T = 2_000_000_000_000;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('PASSWORD_LOGIN_ENABLED=false and the break-glass instance-admin login', () => {
  it('signs an instance admin in, logs a warning and records an audit event; refuses everyone else alike', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const t = await startTestApp('sqlite');
    const config = testConfig({ PASSWORD_LOGIN_ENABLED: 'false' });
    const off = await buildApp({
      config,
      store: t.store,
      box: testBox(),
      logger: pino({ level: 'info' }, sink),
      ping: async () => {},
    });
    try {
      const org = await createOrganisation(t);
      const member = await createPerson(t, org.id, 'member');
      const adminEmail = `${unique('root')}@example.test`;
      const admin = await t.store.users.create({
        email: adminEmail,
        isInstanceAdmin: true,
        passwordHash: await hashPassword(PASSWORD),
      });
      const attempt = (email: string, password: string) =>
        off.inject({ method: 'POST', url: LOGIN, payload: { email, password } });

      const refusals = [
        await attempt(member.email, PASSWORD),
        await attempt(adminEmail, 'wrong password!'),
        await attempt(`${unique('nobody')}@example.test`, PASSWORD),
      ];
      for (const res of refusals) {
        expect(res.statusCode).toBe(403);
        expect(res.json()).toEqual(refusals[0]!.json());
        expect(res.json().error.code).toBe('password_login_disabled');
      }
      expect(lines.some((l) => l.event === 'break_glass_login')).toBe(false);

      const ok = await attempt(adminEmail, PASSWORD);
      expect(ok.statusCode).toBe(200);
      expect(ok.cookies.find((c) => c.name === 'drawbridge_session')).toBeDefined();
      const warning = lines.find((l) => l.event === 'break_glass_login');
      expect(warning).toMatchObject({ level: 40, userId: admin.id, email: adminEmail });
      const events = await t.store.auditEvents.list(null, { limit: 10 });
      expect(events.items.find((e) => e.action === 'auth.break_glass_login')).toMatchObject({
        actor: `user:${admin.id}`,
        targetId: admin.id,
      });
    } finally {
      await off.close();
      await t.close();
    }
  });
});

describe('failed sign-ins counted across instances on one PostgreSQL', () => {
  it('an account slowed down on one instance is slowed down on the other', async () => {
    const pgdb = await createPostgresDatabase();
    const config = testConfig({ DATABASE_URL: pgdb.url, LOGIN_FREE_FAILURES_PER_ACCOUNT: '3' });
    const handles = [openDatabase(config), openDatabase(config)];
    try {
      await migrate(handles[0]!);
      const [a, b] = await Promise.all(
        handles.map((h) =>
          buildApp({
            config,
            store: createStore(h),
            box: testBox(),
            logger: pino({ level: 'silent' }),
            ping: () => ping(h),
          }),
        ),
      );
      const ta = { app: a, config, admin: { authorization: `Api-Key ${config.DRAWBRIDGE_ADMIN_KEY}` } };
      const org = await createOrganisation(ta as unknown as TestApp);
      const person = await createPerson(ta as unknown as TestApp, org.id, 'member');
      vi.spyOn(Date, 'now').mockReturnValue(T);
      const attempt = (app: typeof a, password: string, remoteAddress: string) =>
        app!.inject({
          method: 'POST',
          url: LOGIN,
          payload: { email: person.email, password },
          remoteAddress,
        });
      // Three failures on instance A, each from another address...
      for (const ip of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) {
        expect((await attempt(a, 'wrong password!', ip)).statusCode).toBe(401);
      }
      // ...and instance B, asked from a fourth address with the right password, makes the person wait.
      const refused = await attempt(b, PASSWORD, '203.0.113.4');
      expect(refused.statusCode).toBe(429);
      expect(refused.headers['retry-after']).toBe('1');
      await Promise.all([a!.close(), b!.close()]);
    } finally {
      await Promise.all(handles.map((h) => h.close()));
      await pgdb.drop();
    }
  });
});
