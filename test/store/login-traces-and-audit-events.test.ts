/**
 * The login traces and audit events repositories: recording, listing newest first page by page, and each
 * organisation seeing only its own (both engines).
 */
import { describe, expect, it } from 'vitest';
import type { NewAuditEvent, NewLoginTrace } from '../../src/store/repositories/records.ts';
import type { Store } from '../../src/store/store.ts';
import { ENGINES } from '../support/databases.ts';
import { atTime, unique, withTestStore } from './helpers.ts';

describe.each(ENGINES)('loginTraces repository (%s)', (engine) => {
  let store: Store;
  withTestStore(engine, (opened) => {
    store = opened;
  });

  const newOrg = () => store.organisations.create({ name: 'Org', slug: unique('org') });
  const trace = (organisationId: string | null, overrides: Partial<NewLoginTrace> = {}): NewLoginTrace => ({
    organisationId,
    protocol: 'oidc',
    configuration: 'okta',
    outcome: 'success',
    code: null,
    message: null,
    email: 'someone@x.test',
    userId: null,
    ip: '198.51.100.1',
    detail: {},
    ...overrides,
  });

  it('records a trace and lists it back with every field', async () => {
    const org = await newOrg();
    const input = trace(org.id, {
      protocol: 'saml',
      configuration: null,
      outcome: 'failure',
      code: 'signature_invalid',
      message: 'Signature did not verify',
      userId: 'user-1',
      ip: null,
      detail: { issuer: 'https://idp.test', attempts: 2, nested: { ok: false } },
    });
    const recorded = await atTime(1_700_000_000_000, () => store.loginTraces.record(input));
    expect(recorded).toEqual({ ...input, id: expect.any(String), createdAt: 1_700_000_000_000 });
    expect((await store.loginTraces.list(org.id, { limit: 10 })).items).toEqual([recorded]);
  });

  it('lists newest first and pages with the cursor', async () => {
    const org = await newOrg();
    const recorded = [];
    for (let i = 1; i <= 5; i += 1) {
      recorded.push(
        await atTime(1_700_000_000_000 + i * 1000, () =>
          store.loginTraces.record(trace(org.id, { code: `c${i}` })),
        ),
      );
    }
    const codes = (page: { items: { code: string | null }[] }) => page.items.map((r) => r.code);
    const page1 = await store.loginTraces.list(org.id, { limit: 2 });
    expect(codes(page1)).toEqual(['c5', 'c4']);
    const page2 = await store.loginTraces.list(org.id, { limit: 2, cursor: page1.nextCursor! });
    expect(codes(page2)).toEqual(['c3', 'c2']);
    const page3 = await store.loginTraces.list(org.id, { limit: 2, cursor: page2.nextCursor! });
    expect(codes(page3)).toEqual(['c1']);
    expect(page3.nextCursor).toBeNull();
    expect((await store.loginTraces.list(org.id, { limit: 10 })).items).toEqual([...recorded].reverse());
  });

  it('pages without skipping or repeating rows written in the same millisecond', async () => {
    const org = await newOrg();
    for (let i = 1; i <= 7; i += 1) {
      await atTime(1_700_000_500_000, () => store.loginTraces.record(trace(org.id, { code: `s${i}` })));
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof store.loginTraces.list>> = await store.loginTraces.list(org.id, {
        limit: 3,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...page.items.map((r) => r.code!));
      cursor = page.nextCursor;
    } while (cursor);
    expect([...seen].sort()).toEqual(['s1', 's2', 's3', 's4', 's5', 's6', 's7']);
  });

  it('lists only the traces of the given organisation', async () => {
    const org = await newOrg();
    const other = await newOrg();
    const mine = await store.loginTraces.record(trace(org.id, { email: 'mine@x.test' }));
    await store.loginTraces.record(trace(other.id, { email: 'theirs@x.test' }));
    await store.loginTraces.record(trace(null, { email: 'nobody@x.test' }));
    expect((await store.loginTraces.list(org.id, { limit: 10 })).items).toEqual([mine]);
  });
});

describe.each(ENGINES)('auditEvents repository (%s)', (engine) => {
  let store: Store;
  withTestStore(engine, (opened) => {
    store = opened;
  });

  const newOrg = () => store.organisations.create({ name: 'Org', slug: unique('org') });
  const event = (organisationId: string | null, overrides: Partial<NewAuditEvent> = {}): NewAuditEvent => ({
    organisationId,
    actor: 'api-key:abc',
    action: 'group.create',
    targetType: 'group',
    targetId: 'g-1',
    detail: {},
    ...overrides,
  });

  it('records an event and lists it back with every field', async () => {
    const org = await newOrg();
    const input = event(org.id, {
      targetId: null,
      detail: { before: { name: 'a' }, after: { name: 'b' }, n: 1 },
    });
    await atTime(1_700_000_000_000, () => store.auditEvents.record(input));
    expect((await store.auditEvents.list(org.id, { limit: 10 })).items).toEqual([
      { ...input, id: expect.any(String), createdAt: 1_700_000_000_000 },
    ]);
  });

  it('lists newest first and pages with the cursor', async () => {
    const org = await newOrg();
    for (let i = 1; i <= 5; i += 1) {
      await atTime(1_700_000_000_000 + i * 1000, () =>
        store.auditEvents.record(event(org.id, { action: `a${i}` })),
      );
    }
    const actions = (page: { items: { action: string }[] }) => page.items.map((e) => e.action);
    const page1 = await store.auditEvents.list(org.id, { limit: 3 });
    expect(actions(page1)).toEqual(['a5', 'a4', 'a3']);
    const page2 = await store.auditEvents.list(org.id, { limit: 3, cursor: page1.nextCursor! });
    expect(actions(page2)).toEqual(['a2', 'a1']);
    expect(page2.nextCursor).toBeNull();
  });

  it('lists only the events of the given organisation', async () => {
    const org = await newOrg();
    const other = await newOrg();
    await store.auditEvents.record(event(org.id, { action: 'mine' }));
    await store.auditEvents.record(event(other.id, { action: 'theirs' }));
    await store.auditEvents.record(event(null, { action: 'instance' }));
    expect((await store.auditEvents.list(org.id, { limit: 10 })).items.map((e) => e.action)).toEqual([
      'mine',
    ]);
  });

  it('lists instance-level events only when the organisation is null', async () => {
    const org = await newOrg();
    const actor = unique('actor');
    await atTime(1_700_000_100_000, () =>
      store.auditEvents.record(event(null, { actor, action: 'instance.first' })),
    );
    await atTime(1_700_000_200_000, () =>
      store.auditEvents.record(event(org.id, { actor, action: 'org.event' })),
    );
    await atTime(1_700_000_300_000, () =>
      store.auditEvents.record(event(null, { actor, action: 'instance.second' })),
    );

    const instance = (await store.auditEvents.list(null, { limit: 100 })).items;
    expect(instance.every((e) => e.organisationId === null)).toBe(true);
    expect(instance.filter((e) => e.actor === actor).map((e) => e.action)).toEqual([
      'instance.second',
      'instance.first',
    ]);
    const first = await store.auditEvents.list(null, { limit: 1 });
    const rest = (await store.auditEvents.list(null, { limit: 100, cursor: first.nextCursor! })).items;
    expect(rest.map((e) => e.id)).not.toContain(first.items[0]!.id);
  });

  it("keeps an organisation's events under its id after the organisation is deleted", async () => {
    const org = await newOrg();
    await store.auditEvents.record(event(org.id, { action: 'before.delete' }));
    await store.organisations.delete(org.id);
    expect((await store.auditEvents.list(org.id, { limit: 10 })).items.map((e) => e.action)).toEqual([
      'before.delete',
    ]);
    const instance = (await store.auditEvents.list(null, { limit: 200 })).items;
    expect(instance.map((e) => e.action)).not.toContain('before.delete');
  });
});
