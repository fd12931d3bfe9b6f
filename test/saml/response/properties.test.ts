/**
 * Properties (fast-check): whatever arrives, validateResponse either throws a SamlError (never
 * another error type, never hangs) or returns exactly the identity of the original signed
 * assertion. Mutations are applied to valid signed responses: flipped characters, deleted,
 * duplicated and moved elements, changed attribute values and text, injected comments.
 */
import type { Document, Element, Node } from '@xmldom/xmldom';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { SamlError } from '../../../src/saml/errors.ts';
import type { ValidatedAssertion } from '../../../src/saml/validate-response.ts';
import { validateResponse } from '../../../src/saml/validate-response.ts';
import { b64, NOW, parse, serialize, signedA, signedRA } from './support/builder.ts';
import { ENC, encryptAssertionIn } from './support/encrypt.ts';
import { settingsA } from './support/expect.ts';

const RUNS = Number(process.env.PROPERTY_RUNS_FACTOR ?? '1');
const runs = (n: number) => Math.max(1, Math.round(n * (Number.isFinite(RUNS) && RUNS > 0 ? RUNS : 1)));
const settings = settingsA({ requireSignedAssertion: true });

/** The outcome: the result, or the SamlError code; any other throw fails the property. */
function outcome(samlResponse: string): ValidatedAssertion | string {
  try {
    return validateResponse(samlResponse, settings, NOW);
  } catch (error) {
    if (error instanceof SamlError) return error.code;
    throw error;
  }
}

type Mutation =
  | { kind: 'flip'; at: number; char: string }
  | { kind: 'delete' | 'duplicate'; target: number }
  | { kind: 'move'; target: number; into: number }
  | { kind: 'attribute'; target: number; value: string }
  | { kind: 'text'; target: number; value: string }
  | { kind: 'comment'; target: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('flip' as const),
    at: fc.nat(),
    char: fc.constantFrom('a', '<', '>', '"', '&', '/', ' ', '=', '0', '+', 'Z'),
  }),
  fc.record({ kind: fc.constantFrom('delete' as const, 'duplicate' as const), target: fc.nat() }),
  fc.record({ kind: fc.constant('move' as const), target: fc.nat(), into: fc.nat() }),
  fc.record({
    kind: fc.constant('attribute' as const),
    target: fc.nat(),
    value: fc.constantFrom('', '_a1', '_r1', 'x', '2.0', 'https://attacker.test/', 'admin@orga.test'),
  }),
  fc.record({
    kind: fc.constant('text' as const),
    target: fc.nat(),
    value: fc.constantFrom('', 'admin@orga.test', 'AAAA', ' '),
  }),
  fc.record({ kind: fc.constant('comment' as const), target: fc.nat() }),
);

function elements(doc: Document): Element[] {
  return Array.from(doc.getElementsByTagNameNS('*', '*'));
}

function textNodes(doc: Document): Node[] {
  const out: Node[] = [];
  const walk = (n: Node) => {
    for (let c = n.firstChild; c; c = c.nextSibling) {
      if (c.nodeType === 3) out.push(c);
      else walk(c);
    }
  };
  walk(doc);
  return out;
}

/** Applies one mutation; DOM operations the DOM itself refuses (cycles) leave the input as it was. */
function apply(xml: string, m: Mutation): string {
  if (m.kind === 'flip') {
    const at = m.at % xml.length;
    return xml.slice(0, at) + m.char + xml.slice(at + 1);
  }
  let doc: Document;
  try {
    doc = parse(xml); // an earlier flip may have made it unparseable for the mutator itself
  } catch {
    return xml;
  }
  const all = elements(doc);
  const target = all[m.target % all.length]!;
  try {
    switch (m.kind) {
      case 'delete':
        if (target !== doc.documentElement) target.parentNode!.removeChild(target);
        break;
      case 'duplicate':
        if (target !== doc.documentElement) target.parentNode!.insertBefore(target.cloneNode(true), target);
        break;
      case 'move':
        if (target !== doc.documentElement) all[m.into % all.length]!.appendChild(target);
        break;
      case 'attribute': {
        const attr = target.attributes.item(m.target % Math.max(1, target.attributes.length));
        if (attr) target.setAttribute(attr.name, m.value);
        break;
      }
      case 'text': {
        const texts = textNodes(doc);
        const node = texts[m.target % Math.max(1, texts.length)];
        if (node) (node as unknown as { data: string }).data = m.value;
        break;
      }
      case 'comment':
        target.insertBefore(doc.createComment('x'), target.firstChild);
        break;
    }
  } catch {
    return xml;
  }
  return serialize(doc);
}

/** The parts of the result the signature vouches for in variant A (the Response itself is unsigned). */
const identity = ({ responseId: _r, ...rest }: ValidatedAssertion) => rest;

describe('Properties of validateResponse', () => {
  let encrypted = '';
  beforeAll(async () => {
    encrypted = await encryptAssertionIn(signedA(), { content: ENC.aes128cbc });
  });

  it('throws only SamlError for arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), (value) => {
        expect(typeof outcome(value)).toBe('string');
      }),
      { numRuns: runs(300) },
    );
  });

  it('throws only SamlError for arbitrary bytes sent as base64', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => {
        expect(typeof outcome(Buffer.from(bytes).toString('base64'))).toBe('string');
      }),
      { numRuns: runs(300) },
    );
  });

  it('throws only SamlError for XML-ish token soup', () => {
    const token = fc.constantFrom(
      '<',
      '>',
      '</',
      '/>',
      '"',
      '=',
      ' ',
      'a',
      'samlp:Response',
      'saml:Assertion',
      'ds:Signature',
      '<!--',
      '-->',
      '<![CDATA[',
      ']]>',
      '<?x?>',
      '&amp;',
      '&#0;',
      'xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"',
      'ID="_a1"',
      '<!DOCTYPE x>',
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 200 }), (tokens) => {
        expect(typeof outcome(b64(tokens.join('')))).toBe('string');
      }),
      { numRuns: runs(300) },
    );
  });

  it('mutated RA responses are refused with a SamlError or yield exactly the original identity', () => {
    const original = signedRA();
    const expected = validateResponse(b64(original), settings, NOW);
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (mutations) => {
        const result = outcome(b64(mutations.reduce(apply, original)));
        if (typeof result !== 'string') expect(result).toEqual(expected);
      }),
      { numRuns: runs(400) },
    );
  });

  it('mutated A responses are refused with a SamlError or yield exactly the signed identity', () => {
    const original = signedA();
    const expected = identity(validateResponse(b64(original), settings, NOW));
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (mutations) => {
        const result = outcome(b64(mutations.reduce(apply, original)));
        if (typeof result !== 'string') expect(identity(result)).toEqual(expected);
      }),
      { numRuns: runs(400) },
    );
  });

  it('mutated encrypted (AES-CBC) responses are refused with a SamlError or yield exactly the signed identity', () => {
    const expected = identity(validateResponse(b64(encrypted), settings, NOW));
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 2 }), (mutations) => {
        const result = outcome(b64(mutations.reduce(apply, encrypted)));
        if (typeof result !== 'string') expect(identity(result)).toEqual(expected);
      }),
      { numRuns: runs(150) },
    );
  });
});
