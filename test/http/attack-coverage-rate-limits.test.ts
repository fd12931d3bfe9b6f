/**
 * attacks.md §4.3 (rate limiting and abuse), the cases test/http/sign-in-rate-limits.test.ts
 * and test/http/password-login.test.ts do not send: a VALID signed SAML response arriving after
 * the ACS limit (refused without being read: no session, no user, no trace, not even used up),
 * and spoofed client addresses (X-Forwarded-For, X-Real-IP, Forwarded) rotated on every request
 * from one socket, against the SSO login-start limit and the password sign-in address counter,
 * with TRUST_PROXY off, naming the proxy, and as a hop count, and the warning TRUST_PROXY=true
 * logs at start. Requests are counted, never timed.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { snapshot, snapshotDiff } from '../properties/database-snapshot.ts';
import { ACS_PATH, NAME, postAcs, sessionSet, signedResponse, startSamlApp } from '../saml/http/saml-app.ts';
import { unique } from '../support/actors.ts';
import { startTestApp } from '../support/app.ts';

const LIMIT = 3;
const json = { accept: 'application/json' };

function expectLimited(res: {
  statusCode: number;
  headers: Record<string, unknown>;
  json(): unknown;
  body: string;
}) {
  expect(res.statusCode, res.body).toBe(429);
  expect((res.json() as { error: { code: string } }).error.code).toBe('rate_limited');
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
}

describe('SAML ACS flood (attacks.md W-RATE-2)', () => {
  it('W-RATE-2: a valid signed response posted after SAML_ACS_RATE_LIMIT_PER_MINUTE is refused 429 rate_limited before it is read — no session, no user, no trace, no replay entry — and stays usable from another address', async () => {
    const s = await startSamlApp(
      { SAML_ACS_RATE_LIMIT_PER_MINUTE: String(LIMIT) },
      { allowIdpInitiated: true },
    );
    try {
      const flooder = '203.0.113.50';
      for (let i = 0; i < LIMIT; i++) {
        const junk = await s.t.app.inject({
          method: 'POST',
          url: ACS_PATH,
          remoteAddress: flooder,
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...json },
          payload: 'SAMLResponse=bm90LXhtbA',
        });
        expect(junk.statusCode, junk.body).toBe(400);
      }
      const valid = signedResponse(null, 'valid@orga.test');
      const before = await snapshot(s.t.db);
      const limited = await s.t.app.inject({
        method: 'POST',
        url: ACS_PATH,
        remoteAddress: flooder,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...json },
        payload: new URLSearchParams({ SAMLResponse: valid }).toString(),
      });
      expectLimited(limited);
      expect(sessionSet(limited, s.t)).toBeUndefined();
      expect(snapshotDiff(before, await snapshot(s.t.db))).toEqual([]);
      // Not consumed: the same assertion still signs its person in from an address with budget left.
      const elsewhere = await postAcs(s.t, valid, { headers: json });
      expect(elsewhere.statusCode, elsewhere.body).toBe(303);
      expect(sessionSet(elsewhere, s.t)).toBeDefined();
    } finally {
      await s.t.close();
    }
  });
});

/** Headers a client may forge to look like another address each time. */
function spoofed(n: number): Record<string, string> {
  return {
    'x-forwarded-for': `192.0.2.${n}`,
    'x-real-ip': `192.0.2.${n}`,
    forwarded: `for=192.0.2.${n}`,
    'true-client-ip': `192.0.2.${n}`,
  };
}

describe('spoofed client addresses against the SSO login-start limit (attacks.md W-RATE-4)', () => {
  async function startLogin(
    t: Awaited<ReturnType<typeof startSamlApp>>['t'],
    peer: string,
    headers: Record<string, string>,
  ) {
    return t.app.inject({
      method: 'GET',
      url: `/api/v1/auth/saml/${NAME}/login/`,
      remoteAddress: peer,
      headers: { ...headers, ...json },
    });
  }

  it('W-RATE-4 (TRUST_PROXY off, the default): rotating X-Forwarded-For / X-Real-IP / Forwarded on one socket gets no fresh budget — the next start is 429 and stores no pending login', async () => {
    const s = await startSamlApp({ SSO_LOGIN_START_RATE_LIMIT_PER_MINUTE: String(LIMIT) });
    try {
      for (let n = 1; n <= LIMIT; n++) {
        expect((await startLogin(s.t, '198.51.100.7', spoofed(n))).statusCode).toBe(302);
      }
      const before = await snapshot(s.t.db);
      expectLimited(await startLogin(s.t, '198.51.100.7', spoofed(LIMIT + 1)));
      expect(snapshotDiff(before, await snapshot(s.t.db))).toEqual([]);
      expect((await startLogin(s.t, '198.51.100.8', {})).statusCode).toBe(302);
    } finally {
      await s.t.close();
    }
  });

  it('W-RATE-4 (TRUST_PROXY names the proxy): X-Forwarded-For counts only through that proxy, where entries the client prepended are skipped; from any other peer it is ignored', async () => {
    const proxy = '10.0.0.5';
    const s = await startSamlApp({
      SSO_LOGIN_START_RATE_LIMIT_PER_MINUTE: String(LIMIT),
      TRUST_PROXY: proxy,
    });
    try {
      // Through the proxy: the client forged the left entries, the proxy appended the real address.
      const via = (n: number, real: string) => ({ 'x-forwarded-for': `192.0.2.${n}, ${real}` });
      for (let n = 1; n <= LIMIT; n++) {
        expect((await startLogin(s.t, proxy, via(n, '203.0.113.9'))).statusCode).toBe(302);
      }
      expectLimited(await startLogin(s.t, proxy, via(LIMIT + 1, '203.0.113.9')));
      // Positive control: another real client behind the same proxy has its own budget.
      expect((await startLogin(s.t, proxy, via(1, '203.0.113.10'))).statusCode).toBe(302);
      // A direct peer that is not the proxy is counted by its socket address, whatever it sends.
      for (let n = 1; n <= LIMIT; n++) {
        expect((await startLogin(s.t, '198.51.100.20', spoofed(n))).statusCode).toBe(302);
      }
      expectLimited(await startLogin(s.t, '198.51.100.20', spoofed(LIMIT + 1)));
    } finally {
      await s.t.close();
    }
  });

  it('W-RATE-4 (TRUST_PROXY=1, a hop count): only the address the one trusted hop appended counts; rotating what the client prepends gets no fresh budget', async () => {
    const s = await startSamlApp({ SSO_LOGIN_START_RATE_LIMIT_PER_MINUTE: String(LIMIT), TRUST_PROXY: '1' });
    try {
      const via = (n: number) => ({ 'x-forwarded-for': `192.0.2.${n}, 10.9.9.${n}, 203.0.113.30` });
      for (let n = 1; n <= LIMIT; n++)
        expect((await startLogin(s.t, '10.0.0.5', via(n))).statusCode).toBe(302);
      expectLimited(await startLogin(s.t, '10.0.0.5', via(LIMIT + 1)));
    } finally {
      await s.t.close();
    }
  });
});

describe('spoofed client addresses against the password sign-in address counter (attacks.md W-RATE-4)', () => {
  it('NIST SP 800-63B §5.2.2 + W-RATE-4: failed sign-ins for ever new emails from one socket with rotating X-Forwarded-For are counted against that socket: past LOGIN_FREE_FAILURES_PER_IP the next is 429 rate_limited', async () => {
    const t = await startTestApp('sqlite', {
      LOGIN_FREE_FAILURES_PER_IP: '2',
      LOGIN_FREE_FAILURES_PER_ACCOUNT: '100',
    });
    try {
      const attempt = (n: number) =>
        t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          remoteAddress: '198.51.100.60',
          headers: spoofed(n),
          payload: { email: `${unique('guess')}@example.test`, password: 'wrong password guess' },
        });
      for (let n = 1; n <= 2; n++) {
        const res = await attempt(n);
        expect(res.statusCode, res.body).toBe(401);
        expect(res.json().error.code).toBe('invalid_credentials');
      }
      const limited = await attempt(3);
      expectLimited(limited);
      expect(limited.cookies).toEqual([]);
    } finally {
      await t.close();
    }
  });
});

describe('TRUST_PROXY=true (attacks.md W-RATE-4)', () => {
  it.each([
    ['true', true],
    ['false', false],
    ['1', false],
    ['10.0.0.5, 10.0.0.0/8', false],
  ] as const)(
    'W-RATE-4: TRUST_PROXY=%s warns at start that clients can choose their address: %s',
    async (trust, warns) => {
      const lines: Array<{ level: number; event?: string }> = [];
      const sink = new Writable({
        write(chunk, _enc, done) {
          for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
          done();
        },
      });
      const t = await startTestApp(
        'sqlite',
        { TRUST_PROXY: trust },
        { logger: pino({ level: 'info' }, sink) },
      );
      try {
        const warning = lines.find((l) => l.event === 'trust_proxy_true');
        expect(warning !== undefined).toBe(warns);
        if (warning) expect(warning.level).toBe(40);
      } finally {
        await t.close();
      }
    },
  );
});
