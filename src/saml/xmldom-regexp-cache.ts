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

/** One level per part: the parts are the grammar's own RegExp objects and literal strings. */
interface Level {
  next: Map<Part, Level>;
  regexp?: RegExp;
}

// The parser passes a handful of fixed part lists; the bound only guards against the unexpected.
const MAX_LEVELS = 256;

if (!grammar.__drawbridgeRegCache && typeof grammar.reg === 'function') {
  const build = grammar.reg;
  const root: Level = { next: new Map() };
  let levels = 0;
  grammar.reg = function cachedReg(this: unknown, ...parts: Part[]): RegExp {
    // Looked up by identity, part by part: cheaper than a key made of the parts' sources.
    let level: Level | undefined = root;
    for (const part of parts) {
      let next: Level | undefined = level.next.get(part);
      if (!next) {
        if (levels >= MAX_LEVELS) {
          level = undefined;
          break;
        }
        next = { next: new Map() };
        level.next.set(part, next);
        levels += 1;
      }
      level = next;
    }
    if (level?.regexp) return level.regexp;
    const regexp = build.apply(this, parts);
    // A RegExp with g or y keeps lastIndex between calls: never share one.
    if (level && !regexp.global && !regexp.sticky) level.regexp = regexp;
    return regexp;
  };
  grammar.__drawbridgeRegCache = true;
}
