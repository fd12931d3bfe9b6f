/**
 * Regenerates src/credentials/common-passwords.txt, the bundled list of common passwords
 * (NIST SP 800-63B 3.1.1.2: refuse passwords found in lists of commonly used ones).
 *
 * Source: the `passwords-common` dictionary of @zxcvbn-ts/language-common 4.1.3 (MIT; the
 * zxcvbn-ts project's ranking of the most common passwords of the Xato 10-million-password
 * corpus). Only entries of 8 or more characters are kept: the length rule (PASSWORD_MIN_LENGTH
 * is at least 8) refuses every shorter one first. The package is not a dependency:
 *
 *   npm install --no-save @zxcvbn-ts/language-common@4.1.3 && node scripts/build-common-passwords.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SOURCE = '@zxcvbn-ts/language-common';
const { dictionary } = (await import(SOURCE)) as { dictionary: Record<string, string[]> };
const ranked = dictionary['passwords-common'];
if (!ranked) throw new Error(`${SOURCE} has no passwords-common dictionary`);
const kept = [...new Set(ranked.map((p) => p.toLowerCase()).filter((p) => [...p].length >= 8))];
const header = [
  '# Common passwords refused by the password rules (src/credentials/password-rules.ts).',
  `# Source: ${SOURCE}@4.1.3, dictionary "passwords-common" (${ranked.length} passwords ranked by`,
  '# frequency in the Xato 10-million-password corpus), entries of 8+ characters, lowercased.',
  '# Licence: MIT, Copyright (c) 2012-2016 Dan Wheeler and Dropbox, Inc.; (c) 2021 @zxcvbn-ts.',
  '# Regenerate with scripts/build-common-passwords.ts. One password a line, most common first.',
];
writeFileSync(
  join(import.meta.dirname, '..', 'src', 'credentials', 'common-passwords.txt'),
  `${[...header, ...kept].join('\n')}\n`,
);
console.log(`wrote ${kept.length} passwords`);
