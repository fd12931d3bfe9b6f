#!/usr/bin/env node
/**
 * The `drawbridge` command. Administrative commands open the configured database directly
 * (they work while the server runs: SQLite in WAL mode or PostgreSQL).
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { issueApiKey } from '../credentials/api-keys.ts';
import { startServer, stopOnSignals } from '../server.ts';
import { migrate, openDatabase } from '../store/connect.ts';
import { StoreError } from '../store/errors.ts';
import { createStore, type Store } from '../store/store.ts';
import { describeConfig } from './describe-config.ts';

const USAGE = `Usage: drawbridge <command>

Commands:
  start                               start the server (same as npm start)
  migrate                             bring the database schema up to date
  admin-key create [--name NAME]      create an instance-admin API key; prints the key alone
  admin-key list                      list instance-admin API keys (never the keys themselves)
  admin-key revoke <id>               revoke an instance-admin API key
  org create --name NAME --slug SLUG  create an organisation; prints it as JSON
  org list                            list organisations
  config check                        validate the configuration and print what is wrong

Configuration comes from the environment and the YAML file named by DRAWBRIDGE_CONFIG
(see docs/configuration.md).`;

class UsageError extends Error {}

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

async function withStore<T>(config: Config, work: (store: Store) => Promise<T>): Promise<T> {
  const handle = openDatabase(config);
  try {
    await migrate(handle);
    return await work(createStore(handle));
  } finally {
    await handle.close();
  }
}

const audit = (
  store: Store,
  action: string,
  targetType: string,
  targetId: string,
  organisationId: string | null,
) => store.auditEvents.record({ organisationId, actor: 'cli', action, targetType, targetId, detail: {} });

async function adminKey(config: Config, args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { name: { type: 'string' } },
    allowPositionals: true,
  });
  const [sub, ...rest] = positionals;
  if (sub === 'create') {
    const key = await withStore(config, async (store) =>
      store.transaction(async (tx) => {
        const issued = await issueApiKey(tx, {
          name: values.name ?? 'cli',
          organisationId: null,
          role: 'admin',
        });
        await tx.auditEvents.record({
          organisationId: null,
          actor: 'cli',
          action: 'api_key.create',
          targetType: 'api_key',
          targetId: issued.record.id,
          detail: {},
        });
        return issued.key;
      }),
    );
    out(key);
    return;
  }
  if (sub === 'list') {
    const keys = await withStore(config, (store) => store.apiKeys.list(null));
    out(['ID', 'NAME', 'CREATED', 'LAST USED', 'REVOKED'].join('\t'));
    const when = (t: number | null) => (t === null ? '-' : new Date(t).toISOString());
    for (const k of keys)
      out([k.id, k.name, when(k.createdAt), when(k.lastUsedAt), when(k.revokedAt)].join('\t'));
    return;
  }
  if (sub === 'revoke' && rest[0]) {
    const id = rest[0];
    const revoked = await withStore(config, async (store) => {
      const key = await store.apiKeys.get(id);
      if (!key || key.organisationId !== null) return false;
      const done = await store.apiKeys.revoke(id);
      if (done) await audit(store, 'api_key.revoke', 'api_key', id, null);
      return done;
    });
    if (!revoked) throw new UsageError(`no active instance-admin API key with id ${id}`);
    out(`revoked ${id}`);
    return;
  }
  throw new UsageError('expected: admin-key create|list|revoke <id>');
}

async function org(config: Config, args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { name: { type: 'string' }, slug: { type: 'string' } },
    allowPositionals: true,
  });
  const [sub] = positionals;
  if (sub === 'create') {
    const { name, slug } = values;
    if (!name || !slug) throw new UsageError('expected: org create --name NAME --slug SLUG');
    if (!/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/.test(slug)) {
      throw new UsageError('--slug: lowercase letters, digits and inner hyphens, 1-64 characters');
    }
    const created = await withStore(config, async (store) =>
      store.transaction(async (tx) => {
        const o = await tx.organisations.create({ name: name.trim(), slug });
        await tx.auditEvents.record({
          organisationId: o.id,
          actor: 'cli',
          action: 'organisation.create',
          targetType: 'organisation',
          targetId: o.id,
          detail: { name, slug },
        });
        return o;
      }),
    );
    out(JSON.stringify(created));
    return;
  }
  if (sub === 'list') {
    const all = await withStore(config, async (store) => {
      const items = [];
      let cursor: string | undefined;
      do {
        const page = await store.organisations.list({ limit: 200, ...(cursor ? { cursor } : {}) });
        items.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return items;
    });
    out(['ID', 'SLUG', 'NAME'].join('\t'));
    for (const o of all) out([o.id, o.slug, o.name].join('\t'));
    return;
  }
  throw new UsageError('expected: org create|list');
}

export async function run(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...args] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    out(USAGE);
    return command ? 0 : 2;
  }
  try {
    if (command === 'config') {
      if (args[0] !== 'check') throw new UsageError('expected: config check');
      const config = loadConfig(env);
      out('Configuration is valid:');
      for (const line of describeConfig(config)) out(`  ${line}`);
      return 0;
    }
    const config = loadConfig(env);
    switch (command) {
      case 'start':
        stopOnSignals(await startServer(config));
        return -1; // keeps running
      case 'migrate': {
        const handle = openDatabase(config);
        try {
          const applied = await migrate(handle);
          out(applied.length ? `applied: ${applied.join(', ')}` : 'the database is up to date');
        } finally {
          await handle.close();
        }
        return 0;
      }
      case 'admin-key':
        await adminKey(config, args);
        return 0;
      case 'org':
        await org(config, args);
        return 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof ConfigError) {
      err(e.message);
      return 2;
    }
    if (e instanceof UsageError) {
      err(`drawbridge: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof StoreError) {
      err(`drawbridge: ${e.message}`);
      return 1;
    }
    if (e instanceof Error && 'code' in e && e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      err(`drawbridge: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

if (import.meta.main) {
  const code = await run(process.argv.slice(2));
  if (code >= 0) process.exitCode = code;
}
