/**
 * Reads the configuration from the YAML file named by DRAWBRIDGE_CONFIG (optional) and the
 * environment (which wins), checks it against the one schema and reports every problem at once.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { customSignInProblems } from './custom-sign-in-options.ts';
import { type Config, configSchema, type OptionName, options } from './schema.ts';

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const ALIASES: Record<string, OptionName> = { PROXY_BASE_URL: 'BASE_URL' };

function readFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`DRAWBRIDGE_CONFIG: cannot read ${path} (${(err as Error).message})`]);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError([`DRAWBRIDGE_CONFIG: ${path} is not valid YAML (${(err as Error).message})`]);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError([`DRAWBRIDGE_CONFIG: ${path} must be a mapping of option names to values`]);
  }
  return doc as Record<string, unknown>;
}

function describe(value: unknown, secret: boolean): string {
  if (secret) return '';
  if (value === undefined) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return ` (got ${JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text)})`;
}

/** Builds the configuration; throws ConfigError naming each bad variable and what it expects. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, unknown> = env.DRAWBRIDGE_CONFIG ? readFile(env.DRAWBRIDGE_CONFIG) : {};
  const problems: string[] = [];
  for (const [alias, target] of Object.entries(ALIASES)) {
    if (alias in raw) {
      raw[target] ??= raw[alias];
      delete raw[alias];
    }
  }
  for (const name of Object.keys(options) as OptionName[]) {
    const value = env[name];
    if (value !== undefined && value !== '') raw[name] = value;
  }
  for (const [alias, target] of Object.entries(ALIASES)) {
    const value = env[alias];
    if (value !== undefined && value !== '' && (env[target] === undefined || env[target] === '')) {
      raw[target] = value;
    }
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) problems.push(`${key}: unknown option in ${env.DRAWBRIDGE_CONFIG}`);
        continue;
      }
      const name = String(issue.path[0] ?? 'configuration') as OptionName;
      const secret = Boolean((options[name] as { secret?: boolean } | undefined)?.secret);
      problems.push(`${name}: ${issue.message}${describe(raw[name], secret)}`);
    }
    throw new ConfigError(problems);
  }
  const parsed = result.data;
  if (parsed.NODE_ENV === 'production' && !parsed.DRAWBRIDGE_SECRET) {
    problems.push('DRAWBRIDGE_SECRET: required when NODE_ENV=production (at least 32 random characters)');
  }
  if (parsed.SESSION_IDLE_TIMEOUT_SECONDS > parsed.SESSION_ABSOLUTE_TIMEOUT_SECONDS) {
    problems.push('SESSION_IDLE_TIMEOUT_SECONDS: must not exceed SESSION_ABSOLUTE_TIMEOUT_SECONDS');
  }
  const baseUrl = parsed.BASE_URL ?? `http://localhost:${parsed.PORT}`;
  // RFC 6265bis §4.1.3: browsers drop a __Secure- or __Host- cookie that is not Secure, and the
  // session cookie is Secure only behind an https BASE_URL: nobody could stay signed in.
  if (/^__(secure|host)-/i.test(parsed.SESSION_COOKIE_NAME) && !baseUrl.startsWith('https:')) {
    problems.push(
      `SESSION_COOKIE_NAME: a __Secure- or __Host- cookie needs an https BASE_URL (browsers refuse it otherwise); BASE_URL is ${baseUrl}`,
    );
  }
  problems.push(...customSignInProblems(parsed));
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...parsed, BASE_URL: baseUrl };
}
