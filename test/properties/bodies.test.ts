/**
 * (a) Random JSON bodies at every POST/PATCH/PUT route, with valid ids in the path, on both
 * engines: never a 5xx, every error is `{ error: { code, message } }`, and a refused request
 * leaves every table as it was.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ENGINES } from '../support/databases.ts';
import { exchange } from './exchange.ts';
import { createFixture, type Fixture } from './fixture.ts';
import { fresh } from './fresh.ts';
import { jsonArb, poisonedText } from './hostile-values.ts';
import { headersFor, principalArb } from './principals.ts';
import { runs } from './property-runs.ts';
import { ROUTES } from './route-catalogue.ts';
import type { RouteSpec } from './route-spec.ts';
import { validUrl } from './route-urls.ts';
import { jsonText } from './send.ts';

const BODY_METHODS = new Set(['POST', 'PATCH', 'PUT']);
const routes = ROUTES.filter((r) => BODY_METHODS.has(r.method));
const textRoutes = routes.filter((r) => r.textFields && r.textFields.length > 0);

/** A body: any JSON value, or a valid body with some fields replaced, or only random fields. */
type BodyPlan = { raw: unknown } | { base: 'valid' | 'empty'; overrides: Record<string, unknown> };

function bodyPlanArb(route: RouteSpec): fc.Arbitrary<BodyPlan> {
  const raw = jsonArb.map((value): BodyPlan => ({ raw: value }));
  if (!route.fields) return raw;
  const fields = route.fields;
  const fieldValues = Object.fromEntries(
    Object.entries(fields).map(([k, arb]) => [
      k,
      fc.oneof({ arbitrary: arb, weight: 3 }, { arbitrary: jsonArb, weight: 1 }),
    ]),
  );
  const oneField = fc
    .constantFrom(...Object.keys(fields))
    .chain((key) => fieldValues[key]!.map((value) => ({ [key]: value })));
  const someFields = fc.record(fieldValues, { requiredKeys: [] });
  const extraKey = fc.dictionary(
    fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom('__proto__', 'constructor', 'id', 'isInstanceAdmin'),
    ),
    jsonArb,
    { minKeys: 1, maxKeys: 2 },
  );
  return fc.oneof(
    { arbitrary: raw, weight: 1 },
    { arbitrary: oneField.map((overrides): BodyPlan => ({ base: 'valid', overrides })), weight: 4 },
    { arbitrary: someFields.map((overrides): BodyPlan => ({ base: 'valid', overrides })), weight: 2 },
    { arbitrary: someFields.map((overrides): BodyPlan => ({ base: 'empty', overrides })), weight: 1 },
    {
      arbitrary: fc
        .tuple(someFields, extraKey)
        .map(([a, b]): BodyPlan => ({ base: 'valid', overrides: { ...b, ...a } })),
      weight: 1,
    },
  );
}

function bodyText(f: Fixture, route: RouteSpec, plan: BodyPlan): string {
  if ('raw' in plan) return jsonText(plan.raw);
  const base = plan.base === 'valid' && route.validBody ? route.validBody(f, fresh()) : {};
  // Built key by key so that keys such as "__proto__" become own properties of the JSON text.
  const parts = Object.entries(base).filter(([k]) => !Object.hasOwn(plan.overrides, k));
  parts.push(...Object.entries(plan.overrides));
  return `{${parts.map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`).join(',')}}`;
}

describe.each(ENGINES)('random JSON bodies (%s)', (engine) => {
  let f: Fixture;
  beforeAll(async () => {
    f = await createFixture(engine);
  });
  afterAll(() => f?.t.close());

  const name = (r: RouteSpec) => `${r.method} ${r.path}`;

  it.each(routes.map((r) => [name(r), r] as const))(
    '%s answers any JSON body below 500 with a well-formed error, and a refused body writes nothing',
    async (_name, route) => {
      await fc.assert(
        fc.asyncProperty(bodyPlanArb(route), principalArb, async (plan, principal) => {
          await exchange(
            f,
            {
              method: route.method,
              url: validUrl(route, f),
              headers: { ...headersFor(f, route, principal), 'content-type': 'application/json' },
              payload: bodyText(f, route, plan),
            },
            { mayWrite: route.writesLoginTraces ? ['login_traces'] : [] },
          );
        }),
        { numRuns: runs(engine === 'sqlite' ? 40 : 25) },
      );
    },
  );

  const textCases = textRoutes.flatMap((r) =>
    r.textFields!.map((field) => [`${name(r)} ${field}`, r, field] as const),
  );

  it.each(textCases)(
    '%s: text with NUL, control characters or lone surrogates is stored or refused, never a 500',
    async (_name, route, field) => {
      const value: fc.Arbitrary<unknown> =
        field === 'attributes'
          ? fc.oneof(
              fc.dictionary(poisonedText('key'), fc.string({ maxLength: 4 }), { minKeys: 1, maxKeys: 2 }),
              fc.dictionary(fc.string({ maxLength: 4 }), poisonedText('value'), { minKeys: 1, maxKeys: 2 }),
            )
          : poisonedText(field);
      const principal = route.auth ? 'instanceAdmin' : 'anonymous';
      await fc.assert(
        fc.asyncProperty(value, async (v) => {
          await exchange(
            f,
            {
              method: route.method,
              url: validUrl(route, f),
              headers: { ...headersFor(f, route, principal), 'content-type': 'application/json' },
              payload: bodyText(f, route, { base: 'valid', overrides: { [field]: v } }),
            },
            { mayWrite: route.writesLoginTraces ? ['login_traces'] : [] },
          );
        }),
        { numRuns: runs(15) },
      );
    },
  );
});
