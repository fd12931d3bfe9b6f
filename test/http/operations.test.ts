import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.ts';
import { loggerOptions } from '../../src/ops/logger.ts';
import { ping } from '../../src/store/connect.ts';
import { createStore } from '../../src/store/store.ts';
import { ADMIN_KEY, startTestApp, type TestApp, testBox, testConfig } from '../support/app.ts';
import { openTestDatabase } from '../support/databases.ts';

describe('health, readiness, metrics and the API description', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite');
  });
  afterAll(() => t.close());

  it('/healthz answers 200 without credentials', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it("every answer carries helmet's security headers, errors included", async () => {
    for (const url of ['/healthz', '/api/v1/organisations', '/no-such-route']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'SAMEORIGIN',
        'strict-transport-security': 'max-age=31536000; includeSubDomains',
        'cross-origin-opener-policy': 'same-origin',
        'referrer-policy': 'no-referrer',
      });
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'self'");
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('/readyz answers 200 with the engine while the database answers', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.json()).toEqual({ status: 'ready', database: 'sqlite' });
  });

  it('/metrics exposes requests by route template and status, and a latency histogram', async () => {
    await t.app.inject({ method: 'GET', url: '/api/v1/organisations/some-id', headers: t.admin });
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain(
      'drawbridge_http_requests_total{method="GET",route="/api/v1/organisations/:orgId",status="404"} 1',
    );
    expect(res.body).toContain('drawbridge_http_request_duration_seconds_bucket');
  });

  it('echoes a safe X-Request-Id and makes one up otherwise', async () => {
    const given = await t.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'abc-123' },
    });
    expect(given.headers['x-request-id']).toBe('abc-123');
    const unsafe = await t.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'bad id\nwith newline' },
    });
    expect(unsafe.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('unknown routes answer 404 in the error format', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
  });

  it('/api/openapi.json is OpenAPI 3.1 and describes every admin route with its request schema', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    for (const path of [
      '/api/v1/organisations',
      '/api/v1/organisations/{orgId}',
      '/api/v1/organisations/{orgId}/users',
      '/api/v1/organisations/{orgId}/users/{userId}',
      '/api/v1/organisations/{orgId}/users/{userId}/disable',
      '/api/v1/organisations/{orgId}/groups',
      '/api/v1/organisations/{orgId}/groups/{groupId}/members/{userId}',
      '/api/v1/organisations/{orgId}/domains',
      '/api/v1/organisations/{orgId}/api-keys',
      '/api/v1/api-keys',
      '/api/v1/auth/login',
      '/api/v1/auth/me',
      '/api/v1/auth/logout',
      '/healthz',
      '/readyz',
    ]) {
      expect(doc.paths, path).toHaveProperty([path]);
    }
    const create = doc.paths['/api/v1/organisations'].post;
    expect(create.requestBody.content['application/json'].schema.required).toEqual(['name', 'slug']);
    expect(create.responses['201']).toBeDefined();
  });
});

describe('/readyz when the database is gone', () => {
  it('answers 503 service_unavailable', async () => {
    const db = await openTestDatabase('sqlite');
    const app = await buildApp({
      config: testConfig(),
      store: createStore(db.handle),
      box: testBox(),
      logger: pino({ level: 'silent' }),
      ping: () => ping(db.handle),
    });
    await db.handle.close();
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('service_unavailable');
    await app.close();
    await db.close().catch(() => undefined);
  });
});

describe('logs', () => {
  it('carry the request id and never the API key, cookie or password', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const db = await openTestDatabase('sqlite');
    const logger = pino(
      {
        ...loggerOptions('trace'),
        serializers: { req: (req) => ({ method: req.method, url: req.url, headers: req.headers }) },
      },
      sink,
    );
    const app = await buildApp({
      config: testConfig(),
      store: createStore(db.handle),
      box: testBox(),
      logger,
      ping: () => ping(db.handle),
    });
    try {
      await app.inject({
        method: 'GET',
        url: '/api/v1/organisations',
        headers: {
          authorization: `Api-Key ${ADMIN_KEY}`,
          'x-request-id': 'req-42',
          cookie: 'drawbridge_session=SECRETCOOKIE',
        },
      });
      await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'a@example.test', password: 'hunter2hunter2' },
      });
      const all = lines.join('');
      expect(all).toContain('req-42');
      expect(all).not.toContain(ADMIN_KEY);
      expect(all).not.toContain('SECRETCOOKIE');
      expect(all).not.toContain('hunter2hunter2');
    } finally {
      await app.close();
      await db.close();
    }
  });
});
