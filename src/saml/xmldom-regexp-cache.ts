/**
 * @xmldom/xmldom 0.9's parser builds a new RegExp from the same fixed parts for every end tag it
 * reads (`g.reg('^', g.QName_group, g.S_OPT, '$')` in lib/sax.js), and V8 compiles each one
 * again: about a fifth of the time of validating a typical 8 KiB response (measured: 650 →
 * 500 µs per validateResponse). `reg` is a pure function of its parts and makes RegExps
 * without the g or y flag, which keep no state between matches, so one RegExp per distinct
 * list of parts serves every call. sax.js calls it through the grammar module's exports, so
 * replacing the export there is enough; the parse result is unchanged.
 */
import { createRequire } from 'node:module';

type Part = RegExp | string;
type Grammar = { reg: (this: unknown, ...parts: Part[]) => RegExp; __drawbridgeRegCache?: true };

const grammar = createRequire(import.meta.url)('@xmldom/xmldom/lib/grammar.js') as Grammar;

if (!grammar.__drawbridgeRegCache && typeof grammar.reg === 'function') {
  const build = grammar.reg;
  const cache = new Map<string, RegExp>();
  grammar.reg = function cachedReg(this: unknown, ...parts: Part[]): RegExp {
    const key = parts
      .map((p) => (typeof p === 'string' ? `s${p}` : `r${p.source}/${p.flags}`))
      .join('\u0000');
    let regexp = cache.get(key);
    if (!regexp) {
      regexp = build.apply(this, parts);
      // A RegExp with g or y keeps lastIndex between calls: never share one.
      if (regexp.global || regexp.sticky) return regexp;
      // The parts are the parser's own constants: a handful of keys. The bound is only a guard.
      if (cache.size < 256) cache.set(key, regexp);
    }
    return regexp;
  };
  grammar.__drawbridgeRegCache = true;
}
