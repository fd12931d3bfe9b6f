/**
 * (d) Bodies that are not what they claim: text labelled application/json that is not JSON,
 * content types no route accepts, and bodies over the 1 MB limit. Each is refused with a
 * 4xx and a well-formed error, and writes nothing. Body parsing does not depend on the
 * engine: SQLite only.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode } from './answer-checks.ts';
import { exchange } from './exchange.ts';
import { describeOutcome, PropertyViolation } from './failure-report.ts';
import { createFixture, type Fixture } from './fixture.ts';
import { fresh } from './fresh.ts';
import { headersFor, principalArb } from './principals.ts';
import { runs } from './property-runs.ts';
import { ROUTES, routeArb, routeName } from './route-catalogue.ts';
import type { RouteSpec } from './route-spec.ts';
import { validUrl } from './route-urls.ts';
import type { Outcome } from './send.ts';

const BODY_METHODS = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);
/** Routes that take a body, or at least accept one (every non-GET route). */
const routes = ROUTES.filter((r) => BODY_METHODS.has(r.method));
const schemaRoutes = routes.filter((r) => r.body);

const ONE_MB = 1024 * 1024;

const name = routeName;

/** Whether the body parser would take `text` as JSON (it skips a leading byte-order mark). */
function isJson(text: string): boolean {
  try {
    JSON.parse(text.replace(/^\ufeff/, ''));
    return true;
  } catch {
    return false;
  }
}

/** Text that JSON.parse refuses: truncated or corrupted JSON, JS literals, garbage. */
const notJson: fc.Arbitrary<string> = fc
  .oneof(
    fc.jsonValue({ maxDepth: 2 }).chain((v) => {
      const text = JSON.stringify(v);
      return fc.nat({ max: Math.max(0, text.length - 1) }).map((cut) => text.slice(0, cut));
    }),
    fc
      .tuple(
        fc.json({ maxDepth: 2 }),
        fc.constantFrom(',', '}', ']', '"', "'", '\\', 'undefined', '\u0000', '/*', 'NaN'),
      )
      .map(([j, junk]) => `${j}${junk}`),
    fc.constantFrom(
      "{'name':'x'}",
      '{name:"x"}',
      '{"name":"x",}',
      '{"name":undefined}',
      '{"a":NaN}',
      '{"a":Infinity}',
      '{"a":0x10}',
      '{"a":"\\x41"}',
      '{"a":"\\ud800"',
      '\ufeff{"a":1}',
      '{"a":1}{"a":2}',
      '[1,]',
      '{"a":1e}',
      '{"__proto__":',
      'nul',
      'tru',
      '"unterminated',
      '{{}}',
      '\u0000',
    ),
    fc.string({ maxLength: 50 }),
    fc.string({ unit: 'binary', maxLength: 50 }),
  )
  .filter((text) => text.trim() !== '' && !isJson(text));

/** JSON the parser refuses on purpose: prototype poisoning. */
const poisonedJson: fc.Arbitrary<string> = fc.constantFrom(
  '{"__proto__":{"isInstanceAdmin":true}}',
  '{"name":"x","slug":"y","__proto__":{"x":1}}',
  '{"constructor":{"prototype":{"isInstanceAdmin":true}}}',
  '{"a":{"__proto__":{"b":1}}}',
);

const unsupportedType = fc.oneof(
  fc.constantFrom(
    'application/xml',
    'text/xml',
    'text/html',
    'multipart/form-data; boundary=----x',
    'multipart/form-data',
    'application/octet-stream',
    'image/png',
    'application/x-www-form-urlencodedx',
    'application/jsonx',
    'application/vnd.api+json',
    'application/yaml',
    'application/cbor',
  ),
  fc
    .tuple(fc.stringMatching(/^[a-z]{1,10}$/), fc.stringMatching(/^[a-z0-9.+-]{1,15}$/))
    .filter(
      ([t, s]) =>
        !['text', 'application'].includes(t) || !['json', 'plain', 'x-www-form-urlencoded'].includes(s),
    )
    .map(([t, s]) => `${t}/${s}`),
);

function bodyOf(route: RouteSpec, f: Fixture): string {
  return JSON.stringify(route.validBody?.(f, fresh()) ?? {});
}

function expectRefused(o: Outcome, allowed: number[], codes: string[]): void {
  if (!allowed.includes(o.status) || !codes.includes(errorCode(o) ?? '')) {
    throw new PropertyViolation(
      `expected ${allowed.join('/')} with ${codes.join('/')}\n${describeOutcome(o)}`,
    );
  }
}

describe('bodies that are not what they claim (sqlite)', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await createFixture('sqlite');
  });
  afterAll(() => f?.t.close());

  it('covers every route that takes a body', () => {
    expect(schemaRoutes.length).toBeGreaterThanOrEqual(10);
  });

  it('refuses text labelled application/json that is not JSON with 400 malformed_json, writing nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        routeArb(routes),
        notJson,
        fc.constantFrom('application/json', 'application/json; charset=utf-8', 'Application/JSON'),
        principalArb,
        async (route, text, type, principal) => {
          const o = await exchange(
            f,
            {
              method: route.method,
              url: validUrl(route, f),
              headers: { ...headersFor(f, route, principal), 'content-type': type },
              payload: text,
            },
            { mayWrite: route.writesLoginTraces ? ['login_traces'] : [] },
          );
          expectRefused(o, [400], ['malformed_json']);
        },
      ),
      { numRuns: runs(150) },
    );
  });

  it('refuses prototype-poisoning JSON with a 4xx, writing nothing', async () => {
    await fc.assert(
      fc.asyncProperty(routeArb(schemaRoutes), poisonedJson, principalArb, async (route, text, principal) => {
        const o = await exchange(
          f,
          {
            method: route.method,
            url: validUrl(route, f),
            headers: { ...headersFor(f, route, principal), 'content-type': 'application/json' },
            payload: text,
          },
          { mayWrite: route.writesLoginTraces ? ['login_traces'] : [] },
        );
        if (o.status < 400) throw new PropertyViolation(`poisoned JSON was accepted\n${describeOutcome(o)}`);
      }),
      { numRuns: runs(40) },
    );
  });

  it('refuses a content type no route parses with 415 unsupported_media_type, writing nothing', async () => {
    await fc.assert(
      fc.asyncProperty(routeArb(routes), unsupportedType, principalArb, async (route, type, principal) => {
        const o = await exchange(f, {
          method: route.method,
          url: validUrl(route, f),
          headers: { ...headersFor(f, route, principal), 'content-type': type },
          payload: bodyOf(route, f),
        });
        expectRefused(o, [415], ['unsupported_media_type']);
      }),
      { numRuns: runs(100) },
    );
  });

  it('answers any content-type header at all below 500 with a well-formed error', async () => {
    const anyType = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.constantFrom(
        'application/json; charset=latin1',
        'application/json; charset=utf-16',
        'application/json;',
        'application/json; boundary',
        ';',
        '/',
        'application/',
        '/json',
        'text/plain; charset=nope',
        'application/x-www-form-urlencoded; charset=nope',
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        routeArb(routes),
        anyType.filter((t) => /^[\t\x20-\x7e]*$/.test(t)),
        principalArb,
        async (route, type, principal) => {
          await exchange(
            f,
            {
              method: route.method,
              url: validUrl(route, f),
              headers: { ...headersFor(f, route, principal), 'content-type': type },
              payload: bodyOf(route, f),
            },
            { mayWrite: route.writesLoginTraces ? ['login_traces'] : [] },
          );
        },
      ),
      { numRuns: runs(100) },
    );
  });

  it.each(schemaRoutes.map((r) => [name(r), r] as const))(
    '%s refuses text/plain and form bodies that are not its schema with 400, writing nothing',
    async (_name, route) => {
      const text = fc.oneof(fc.string({ maxLength: 60 }), notJson, fc.json({ maxDepth: 1 }));
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('text/plain', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded'),
          text,
          principalArb,
          async (type, body, principal) => {
            const o = await exchange(
              f,
              {
                method: route.method,
                url: validUrl(route, f),
                headers: { ...headersFor(f, route, principal), 'content-type': type },
                payload: body,
              },
              { mayWrite: route.writesLoginTraces ? ['login_traces'] : [] },
            );
            // A form body can spell a valid one (name=x&slug=y); text/plain never can.
            if (type.startsWith('text/plain') && o.status < 400) {
              throw new PropertyViolation(`text/plain body was accepted\n${describeOutcome(o)}`);
            }
          },
        ),
        { numRuns: runs(15) },
      );
    },
  );

  it("refuses a body over 1 MB with 413 payload_too_large (or the route's own code), writing nothing but a sign-in route's trace", async () => {
    const huge = fc.record({
      extra: fc.integer({ min: 1, max: 64 * 1024 }),
      kind: fc.constantFrom('json-string', 'json-array', 'not-json', 'text', 'form'),
    });
    await fc.assert(
      fc.asyncProperty(routeArb(routes), huge, principalArb, async (route, { extra, kind }, principal) => {
        const size = ONE_MB + extra;
        let payload: string;
        let type: string;
        switch (kind) {
          case 'json-string':
            payload = JSON.stringify({ name: 'x'.repeat(size) });
            type = 'application/json';
            break;
          case 'json-array':
            payload = `[${'1,'.repeat(Math.ceil(size / 2))}1]`;
            type = 'application/json';
            break;
          case 'not-json':
            payload = `{${'x'.repeat(size)}`;
            type = 'application/json';
            break;
          case 'text':
            payload = 'x'.repeat(size);
            type = 'text/plain';
            break;
          default:
            payload = `name=${'x'.repeat(size)}`;
            type = 'application/x-www-form-urlencoded';
        }
        const o = await exchange(
          f,
          {
            method: route.method,
            url: validUrl(route, f),
            headers: { ...headersFor(f, route, principal), 'content-type': type },
            payload,
          },
          { mayWrite: route.writesLoginTraces ? ['login_traces'] : [] },
        );
        expectRefused(o, [413], [route.oversizedBodyCode ?? 'payload_too_large']);
      }),
      { numRuns: runs(25) },
    );
  });

  it('refuses an empty body labelled application/json with 400 malformed_json, writing nothing', async () => {
    await fc.assert(
      fc.asyncProperty(routeArb(routes), principalArb, async (route, principal) => {
        const o = await exchange(f, {
          method: route.method,
          url: validUrl(route, f),
          headers: { ...headersFor(f, route, principal), 'content-type': 'application/json' },
          payload: '',
        });
        expectRefused(o, [400], ['malformed_json']);
      }),
      { numRuns: runs(20) },
    );
  });
});
