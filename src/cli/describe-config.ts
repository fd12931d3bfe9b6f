/** A human summary of the effective configuration, with secrets shown only as set/unset. */
import type { Config } from '../config/schema.ts';
import { options } from '../config/schema.ts';

export function describeConfig(config: Config): string[] {
  return Object.entries(options).map(([name, option]) => {
    const value = config[name as keyof Config];
    if ('secret' in option && option.secret) return `${name}=${value === undefined ? '(unset)' : '(set)'}`;
    return `${name}=${value === undefined ? '(unset)' : Array.isArray(value) ? value.join(',') : String(value)}`;
  });
}
