/**
 * URLs of catalogue routes: valid ones from the fixture's ids, and the pieces (param names,
 * byte-exact percent-encoding) the path-parameter properties use to put hostile text in a
 * segment without the URL parser undoing it first.
 */

import type { Fixture } from './fixture.ts';
import type { RouteSpec } from './route-spec.ts';

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
