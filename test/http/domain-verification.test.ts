/**
 * Email-domain verification by a DNS TXT record `drawbridge-verification=<token>`, asked of a
 * real DNS server on loopback (UDP, RFC 1035 wire format) through node:dns with DNS_RESOLVERS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createPerson, PASSWORD, unique } from '../support/actors.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { ENGINES } from '../support/databases.ts';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.ts';

describe.each(ENGINES)('email domain verification by DNS (%s)', (engine) => {
  let dns: TestDnsServer;
  let t: TestApp;
  let org: { id: string };
  beforeAll(async () => {
    dns = await startDnsServer();
    t = await startTestApp(engine, { DNS_RESOLVERS: dns.address });
    org = await createOrganisation(t);
  });
  afterAll(async () => {
    await t.close();
    await dns.close();
  });

  const claim = async (domain: string, extra: object = {}) => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/organisations/${org.id}/domains`,
      headers: t.admin,
      payload: { domain, ...extra },
    });
    expect(res.statusCode).toBe(201);
    return res.json() as { id: string; verificationRecord: string; verified: boolean };
  };
  const verify = (domainId: string, headers: Record<string, string> = t.admin) =>
    t.app.inject({
      method: 'POST',
      url: `/api/v1/organisations/${org.id}/domains/${domainId}/verify`,
      headers,
    });

  it('marks the domain verified when its TXT record carries the token, and audits it', async () => {
    const domain = `${unique('acme')}.test`;
    const claimed = await claim(domain);
    dns.txt.set(domain, [['v=spf1 -all'], [claimed.verificationRecord]]);
    const res = await verify(claimed.id);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: claimed.id, domain, verified: true });
    expect(dns.questions).toContain(domain);
    const events = await t.store.auditEvents.list(org.id, { limit: 5 });
    expect(events.items[0]).toMatchObject({
      action: 'domain.verify',
      targetId: claimed.id,
      detail: { method: 'dns' },
    });
  });

  it('joins a record split into several character-strings (long TXT values are)', async () => {
    const domain = `${unique('split')}.test`;
    const claimed = await claim(domain);
    const r = claimed.verificationRecord;
    dns.txt.set(domain, [[r.slice(0, 10), r.slice(10)]]);
    expect((await verify(claimed.id)).json().verified).toBe(true);
  });

  it('refuses with 400 domain_verification_failed when the record is missing or names another token', async () => {
    const domain = `${unique('wrong')}.test`;
    const claimed = await claim(domain);
    dns.txt.set(domain, [['drawbridge-verification=someone-elses-token']]);
    const res = await verify(claimed.id);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toEqual({
      code: 'domain_verification_failed',
      message: expect.stringContaining(domain),
      details: {
        reason: 'record_not_found',
        expected: claimed.verificationRecord,
        found: ['drawbridge-verification=someone-elses-token'],
      },
    });
    expect((await t.store.domains.get(org.id, claimed.id))?.verified).toBe(false);
  });

  it('treats a name that does not exist (NXDOMAIN) as no record', async () => {
    const claimed = await claim(`${unique('nowhere')}.test`);
    const res = await verify(claimed.id);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.reason).toBe('record_not_found');
  });

  it('answers dns_error when the resolver cannot be reached, and changes nothing', async () => {
    const down = await startTestApp(engine, { DNS_RESOLVERS: '127.0.0.1:9' });
    try {
      const o = await createOrganisation(down);
      const claimed = (
        await down.app.inject({
          method: 'POST',
          url: `/api/v1/organisations/${o.id}/domains`,
          headers: down.admin,
          payload: { domain: `${unique('down')}.test` },
        })
      ).json();
      const res = await down.app.inject({
        method: 'POST',
        url: `/api/v1/organisations/${o.id}/domains/${claimed.id}/verify`,
        headers: down.admin,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({
        code: 'domain_verification_failed',
        details: { reason: 'dns_error' },
      });
      expect((await down.store.domains.get(o.id, claimed.id))?.verified).toBe(false);
    } finally {
      await down.close();
    }
  });

  it('lets an organisation admin verify by DNS (no instance admin needed); a viewer may not', async () => {
    const admin = await createPerson(t, org.id, 'admin');
    const viewer = await createPerson(t, org.id, 'admin_viewer');
    const domain = `${unique('self')}.test`;
    const claimed = await claim(domain);
    dns.txt.set(domain, [[claimed.verificationRecord]]);
    expect((await verify(claimed.id, viewer.headers)).statusCode).toBe(403);
    expect((await verify(claimed.id, admin.headers)).json().verified).toBe(true);
  });

  it('once verified with enforceSso, password sign-in for the domain answers sso_required', async () => {
    const domain = `${unique('enforce')}.test`;
    await t.app.inject({
      method: 'POST',
      url: `/api/v1/organisations/${org.id}/users`,
      headers: t.admin,
      payload: { email: `ada@${domain}`, password: PASSWORD },
    });
    const claimed = await claim(domain, { enforceSso: true });
    const login = () =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: `ada@${domain}`, password: PASSWORD },
      });
    expect((await login()).statusCode).toBe(200); // not verified yet: not enforced
    dns.txt.set(domain, [[claimed.verificationRecord]]);
    expect((await verify(claimed.id)).json().verified).toBe(true);
    expect((await login()).json().error.code).toBe('sso_required');
  });
});
