/**
 * Password accounts over HTTP, on both engines: the password rules at user creation,
 * invitations and resets (single use, expiring, stored hashed), changing one's password, and
 * email delivery through a real SMTP server on loopback.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { sha256Hex } from '../../src/credentials/tokens.ts';
import { createOrganisation, createPerson, PASSWORD, signIn, unique } from '../support/actors.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { ENGINES } from '../support/databases.ts';
import { type SmtpSink, startSmtpSink } from '../support/smtp-sink.ts';

const NEW_PASSWORD = 'a brand new long passphrase';

afterEach(() => {
  vi.restoreAllMocks();
});

function tokenOf(url: string): string {
  return new URL(url).searchParams.get('token')!;
}

describe.each(ENGINES)('password accounts (%s)', (engine) => {
  let t: TestApp;
  let org: { id: string };
  beforeAll(async () => {
    t = await startTestApp(engine);
    org = await createOrganisation(t);
  });
  afterAll(() => t.close());

  const post = (url: string, payload?: object, headers: Record<string, string> = t.admin) =>
    t.app.inject({ method: 'POST', url, headers, ...(payload ? { payload } : {}) });
  const invite = (email: string, headers?: Record<string, string>) =>
    post(`/api/v1/organisations/${org.id}/invitations`, { email, firstName: 'In', role: 'member' }, headers);
  const login = (email: string, password: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });

  describe('NIST SP 800-63B password rules when an admin sets the first password', () => {
    it.each([
      ['short pass', 'password_too_short'],
      ['1qaz2wsx3edc4rfv', 'password_too_common'],
      ['p'.repeat(257), 'password_too_long'],
    ])('refuses %j with 400 %s and creates no user', async (password, code) => {
      const email = `${unique('rules')}@example.test`;
      const res = await post(`/api/v1/organisations/${org.id}/users`, { email, password });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe(code);
      expect(await t.store.users.getByEmail(email)).toBeUndefined();
    });

    it('refuses the email or its local part as the password (400 password_matches_email)', async () => {
      const local = unique('ada.lovelace');
      const res = await post(`/api/v1/organisations/${org.id}/users`, {
        email: `${local}@example.test`,
        password: local.toUpperCase(),
      });
      expect(res.json().error.code).toBe('password_matches_email');
    });
  });

  describe('invitations', () => {
    it('creates the user without a password and answers the single-use link when no SMTP is configured', async () => {
      const email = `${unique('invitee')}@example.test`;
      const res = await invite(email);
      expect(res.statusCode).toBe(201);
      const body = res.json();
      expect(body).toEqual({
        userId: expect.any(String),
        email,
        expiresAt: expect.any(Number),
        emailed: false,
        url: expect.stringMatching(/^http:\/\/drawbridge\.test\/login\/accept-invitation\?token=[\w-]{43}$/),
      });
      const user = await t.store.users.get(body.userId);
      expect(user).toMatchObject({ email, hasPassword: false });
      expect((await t.store.memberships.get(body.userId, org.id))?.role).toBe('member');
      // Stored hashed only.
      const token = tokenOf(body.url);
      expect(await t.store.passwordTokens.get(token)).toBeUndefined();
      expect(await t.store.passwordTokens.get(sha256Hex(token))).toMatchObject({ purpose: 'invitation' });
    });

    it('lets the person set a password once, then sign in; the link is spent', async () => {
      const email = `${unique('invitee')}@example.test`;
      const token = tokenOf((await invite(email)).json().url);
      const accept = await post('/api/v1/auth/invitations/accept', { token, password: NEW_PASSWORD }, {});
      expect(accept.statusCode).toBe(200);
      expect(accept.json()).toEqual({ userId: expect.any(String), email });
      expect(accept.cookies).toEqual([]); // no session: sign-in goes through every policy
      expect((await login(email, NEW_PASSWORD)).statusCode).toBe(200);
      const again = await post(
        '/api/v1/auth/invitations/accept',
        { token, password: 'another long passphrase' },
        {},
      );
      expect(again.statusCode).toBe(400);
      expect(again.json().error.code).toBe('token_invalid');
      expect((await login(email, NEW_PASSWORD)).statusCode).toBe(200);
    });

    it('keeps the link usable when the chosen password breaks a rule', async () => {
      const email = `${unique('invitee')}@example.test`;
      const token = tokenOf((await invite(email)).json().url);
      const weak = await post('/api/v1/auth/invitations/accept', { token, password: 'qwerty123456' }, {});
      expect(weak.statusCode).toBe(400);
      expect(weak.json().error.code).toBe('password_too_common');
      expect(
        (await post('/api/v1/auth/invitations/accept', { token, password: NEW_PASSWORD }, {})).statusCode,
      ).toBe(200);
    });

    it('refuses an expired link (400 token_invalid) and sets no password', async () => {
      const email = `${unique('late')}@example.test`;
      const res = await invite(email);
      const token = tokenOf(res.json().url);
      vi.spyOn(Date, 'now').mockReturnValue(res.json().expiresAt);
      const late = await post('/api/v1/auth/invitations/accept', { token, password: NEW_PASSWORD }, {});
      expect(late.statusCode).toBe(400);
      expect(late.json().error.code).toBe('token_invalid');
      // A dead link is reported as such even when the password would also be refused.
      const weak = await post('/api/v1/auth/invitations/accept', { token, password: 'short' }, {});
      expect(weak.json().error.code).toBe('token_invalid');
      expect((await t.store.users.getByEmail(email))?.hasPassword).toBe(false);
    });

    it('withdraws the earlier link when an invitation is sent again', async () => {
      const email = `${unique('twice')}@example.test`;
      const first = tokenOf((await invite(email)).json().url);
      const second = tokenOf((await invite(email)).json().url);
      expect(
        (await post('/api/v1/auth/invitations/accept', { token: first, password: NEW_PASSWORD }, {}))
          .statusCode,
      ).toBe(400);
      expect(
        (await post('/api/v1/auth/invitations/accept', { token: second, password: NEW_PASSWORD }, {}))
          .statusCode,
      ).toBe(200);
    });

    it('refuses to invite someone who can already sign in (409 email_taken)', async () => {
      const person = await createPerson(t, org.id, 'member');
      const res = await invite(person.email);
      expect(res.statusCode).toBe(409);
      expect(res.json().error.code).toBe('email_taken');
    });

    it('does not accept a reset token as an invitation, nor the other way round', async () => {
      const person = await createPerson(t, org.id, 'member');
      const reset = await post(`/api/v1/organisations/${org.id}/users/${person.id}/password-reset`);
      const res = await post(
        '/api/v1/auth/invitations/accept',
        { token: tokenOf(reset.json().url), password: NEW_PASSWORD },
        {},
      );
      expect(res.json().error.code).toBe('token_invalid');
    });

    it('is refused to a viewer (403) and to another tenant (404)', async () => {
      const viewer = await createPerson(t, org.id, 'admin_viewer');
      expect((await invite(`${unique('x')}@example.test`, viewer.headers)).statusCode).toBe(403);
      const other = await createOrganisation(t, 'Other');
      const otherAdmin = await createPerson(t, other.id, 'admin');
      expect((await invite(`${unique('x')}@example.test`, otherAdmin.headers)).statusCode).toBe(404);
    });
  });

  describe('password reset', () => {
    it('sets the new password, ends every session, and the old password stops working', async () => {
      const person = await createPerson(t, org.id, 'member');
      const second = await signIn(t, person.email);
      const issued = await post(`/api/v1/organisations/${org.id}/users/${person.id}/password-reset`);
      expect(issued.statusCode).toBe(201);
      expect(issued.json().url).toMatch(/\/login\/reset-password\?token=/);
      const done = await post(
        '/api/v1/auth/password-reset',
        { token: tokenOf(issued.json().url), password: NEW_PASSWORD },
        {},
      );
      expect(done.statusCode).toBe(200);
      for (const cookie of [person.cookie, second]) {
        expect(
          (await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } })).statusCode,
        ).toBe(401);
      }
      expect((await login(person.email, PASSWORD)).statusCode).toBe(401);
      expect((await login(person.email, NEW_PASSWORD)).statusCode).toBe(200);
    });

    it('may not be issued by an organisation admin for a person who also belongs elsewhere (403)', async () => {
      const admin = await createPerson(t, org.id, 'admin');
      const person = await createPerson(t, org.id, 'member');
      const other = await createOrganisation(t, 'Elsewhere');
      await post(`/api/v1/organisations/${other.id}/users`, { email: person.email });
      const res = await post(
        `/api/v1/organisations/${org.id}/users/${person.id}/password-reset`,
        undefined,
        admin.headers,
      );
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('forbidden');
      expect(
        (await post(`/api/v1/organisations/${org.id}/users/${person.id}/password-reset`)).statusCode,
      ).toBe(201);
    });

    it('answers 404 for a user outside the organisation', async () => {
      const other = await createOrganisation(t, 'Stranger');
      const stranger = await createPerson(t, other.id, 'member');
      const res = await post(`/api/v1/organisations/${org.id}/users/${stranger.id}/password-reset`);
      expect(res.statusCode).toBe(404);
    });

    it('refuses unknown and malformed tokens with 400, never a 500', async () => {
      for (const token of ['nope', 'x'.repeat(256), sha256Hex('whatever')]) {
        const res = await post('/api/v1/auth/password-reset', { token, password: NEW_PASSWORD }, {});
        expect(res.statusCode).toBe(400);
        expect(res.json().error.code).toBe('token_invalid');
      }
    });
  });

  describe('changing one’s password', () => {
    const change = (headers: Record<string, string>, currentPassword: string, newPassword: string) =>
      post('/api/v1/auth/password', { currentPassword, newPassword }, headers);

    it('needs the current password, then ends the other sessions and keeps this one', async () => {
      const person = await createPerson(t, org.id, 'member');
      const other = await signIn(t, person.email);
      const wrong = await change(person.headers, 'not my password', NEW_PASSWORD);
      expect(wrong.statusCode).toBe(401);
      expect(wrong.json().error.code).toBe('invalid_credentials');
      const ok = await change(person.headers, PASSWORD, NEW_PASSWORD);
      expect(ok.statusCode).toBe(204);
      const me = (cookie: string) =>
        t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } });
      expect((await me(person.cookie)).statusCode).toBe(200);
      expect((await me(other)).statusCode).toBe(401);
      expect((await login(person.email, NEW_PASSWORD)).statusCode).toBe(200);
    });

    it('applies the password rules to the new password and changes nothing when refused', async () => {
      const person = await createPerson(t, org.id, 'member');
      const res = await change(person.headers, PASSWORD, 'password1234');
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('password_too_common');
      expect((await login(person.email, PASSWORD)).statusCode).toBe(200);
    });

    it('records a wrong current password as a failed sign-in trace', async () => {
      const person = await createPerson(t, org.id, 'member');
      await change(person.headers, 'not my password', NEW_PASSWORD);
      const traces = await t.store.loginTraces.list(org.id, { limit: 20 });
      expect(traces.items.find((x) => x.userId === person.id && x.outcome === 'failure')).toMatchObject({
        code: 'invalid_credentials',
        detail: { action: 'password_change' },
      });
    });

    it('is refused to an API key (401): it is not a person', async () => {
      const res = await change(t.admin, PASSWORD, NEW_PASSWORD);
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('unauthorized');
    });
  });
});

describe('invitation and reset emails through SMTP', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let org: { id: string };
  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp('sqlite', {
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(sink.port),
      SMTP_FROM: 'Drawbridge <sso@drawbridge.test>',
    });
    org = await createOrganisation(t);
  });
  afterAll(async () => {
    await t.close();
    await sink.close();
  });

  const linkIn = (text: string) =>
    /http:\/\/drawbridge\.test\/login\/[a-z-]+\?token=[\w-]{43}/.exec(text)?.[0];

  it('emails the invitation link and does not show it to the admin', async () => {
    const email = `${unique('mailed')}@example.test`;
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/organisations/${org.id}/invitations`,
      headers: t.admin,
      payload: { email },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({
      userId: expect.any(String),
      email,
      expiresAt: expect.any(Number),
      emailed: true,
    });
    const mail = await sink.next();
    expect(mail.from).toBe('sso@drawbridge.test');
    expect(mail.to).toEqual([email]);
    expect(mail.text).toMatch(/Subject: You are invited to sign in/);
    const link = linkIn(mail.text);
    expect(link).toMatch(/\/login\/accept-invitation\?token=/);
    const accept = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/invitations/accept',
      payload: { token: tokenOf(link!), password: NEW_PASSWORD },
    });
    expect(accept.statusCode).toBe(200);
  });

  it('emails a password-reset link', async () => {
    const person = await createPerson(t, org.id, 'member');
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/organisations/${org.id}/users/${person.id}/password-reset`,
      headers: t.admin,
    });
    expect(res.json().emailed).toBe(true);
    const mail = await sink.next();
    expect(mail.to).toEqual([person.email]);
    expect(linkIn(mail.text)).toMatch(/\/login\/reset-password\?token=/);
  });

  it('answers 502 email_delivery_failed when the server refuses, and keeps no user or token', async () => {
    const email = `${unique('bounced')}@example.test`;
    sink.refuseRecipients = true;
    try {
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/v1/organisations/${org.id}/invitations`,
        headers: t.admin,
        payload: { email },
      });
      expect(res.statusCode).toBe(502);
      expect(res.json().error.code).toBe('email_delivery_failed');
      expect(await t.store.users.getByEmail(email)).toBeUndefined();
    } finally {
      sink.refuseRecipients = false;
    }
  });
});
