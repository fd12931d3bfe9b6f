/** The keys uniqueness is decided on (src/store/ids.ts): which spellings of an email are one account. */
import { describe, expect, it } from 'vitest';
import { normaliseEmail } from '../../src/store/ids.ts';

describe('normaliseEmail', () => {
  it('folds case and surrounding spaces: Kate@Orga.Test and " kate@orga.test " are one address', () => {
    expect(normaliseEmail('Kate@Orga.Test')).toBe('kate@orga.test');
    expect(normaliseEmail(' kate@orga.test ')).toBe('kate@orga.test');
  });

  it('Unicode NFC: an accent typed composed or decomposed is one address', () => {
    expect(normaliseEmail('E\u0301lise@x.test')).toBe(normaliseEmail('\u00c9lise@x.test'));
  });

  it.each([
    ['\u212Aate@orga.test', 'kate@orga.test', 'KELVIN SIGN'],
    ['\u212Bsa@x.test', '\u00e5sa@x.test', 'ANGSTROM SIGN'],
    ['\u2126mega@x.test', '\u03c9mega@x.test', 'OHM SIGN'],
  ])('attacks.md S-TXT-7: %s (%s look-alike, a %s) keeps its own key', (lookalike, plain) => {
    expect(normaliseEmail(lookalike)).not.toBe(normaliseEmail(plain));
    expect(normaliseEmail(lookalike)).toBe(normaliseEmail(normaliseEmail(lookalike)));
  });

  it('folds the domain whole, as IDNA does: a Kelvin sign in the domain is the same domain', () => {
    expect(normaliseEmail('kate@orga.\u212Aest')).toBe('kate@orga.kest');
  });
});
