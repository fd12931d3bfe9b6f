/**
 * Starts Drawbridge: configuration already checked, database opened and migrated, the
 * LiteLLM-style environment connections written, the first-start admin key issued once, the
 * app listening, and a graceful stop on SIGTERM.
 */
import pino from 'pino';
import { ConfigError } from './config/load.ts';
import type { Config } from './config/schema.ts';
import { issueApiKey } from './credentials/api-keys.ts';
import { createSecretBox, loadMasterSecret } from './credentials/secret-box.ts';
import { buildApp } from './http/app.ts';
import type { App } from './http/context.ts';
import { loggerOptions } from './ops/logger.ts';
import { bootstrapFromEnvironment } from './sso/oidc-bootstrap.ts';
import { EnvironmentConfigError } from './sso/oidc-env-connections.ts';
import { type DatabaseHandle, migrate, openDatabase, ping } from './store/connect.ts';
import { createStore, type Store } from './store/store.ts';

export interface RunningServer {
  app: App;
  url: string;
  store: Store;
  stop(): Promise<void>;
}

const FIRST_START_SETTING = 'first_start_admin_key_issued_at';
const HOUSEKEEPING_INTERVAL_MS = 60 * 60 * 1000;

/** On the very first start only, an instance-admin key for the person installing Drawbridge. */
export async function issueFirstStartKey(store: Store): Promise<string | undefined> {
  return store.transaction(async (tx) => {
    if (!(await tx.settings.setIfAbsent(FIRST_START_SETTING, new Date().toISOString()))) return undefined;
    const issued = await issueApiKey(tx, { name: 'first-start', organisationId: null, role: 'admin' });
    return issued.key;
  });
}

/**
 * Forgets what can no longer matter: ended sessions (after a day), stale sign-in counters,
 * used or expired one-time tokens, abandoned pending logins, replay-cache entries past their
 * assertion's lifetime, and expired link requests. Any instance may run it; the deletes are idempotent.
 */
export async function sweepExpired(store: Store, config: Config, now = Date.now()): Promise<void> {
  const day = 24 * 60 * 60 * 1000;
  await store.sessions.deleteEnded(now - day);
  await store.loginThrottles.deleteStale(now - config.LOGIN_FAILURE_MEMORY_SECONDS * 1000);
  await store.passwordTokens.deleteExpired(now - day);
  await store.pendingLogins.deleteExpired(now);
  await store.replayCache.deleteExpired(now);
  await store.identityLinkRequests.deleteExpired(now);
}

export async function startServer(
  config: Config,
  print: (line: string) => void = console.log,
): Promise<RunningServer> {
  const logger = pino(loggerOptions(config.LOG_LEVEL));
  const secret = loadMasterSecret(config.DRAWBRIDGE_SECRET, config.DATA_DIR, (m) => logger.warn(m));
  const box = createSecretBox(secret);
  const handle: DatabaseHandle = openDatabase({
    ...config,
    onPoolError: (err) => logger.warn({ err }, 'idle database connection failed'),
  });
  try {
    const applied = await migrate(handle);
    if (applied.length > 0) logger.info({ applied }, 'database migrated');
  } catch (err) {
    await handle.close();
    throw err;
  }
  const store = createStore(handle);
  try {
    // LiteLLM-style variables become connections before the first request can need them.
    await bootstrapFromEnvironment({ config, store, box, log: logger });
  } catch (err) {
    await handle.close();
    throw err instanceof EnvironmentConfigError ? new ConfigError([err.message]) : err;
  }
  const app = await buildApp({ config, store, logger, box, ping: () => ping(handle) });
  const firstKey = await issueFirstStartKey(store);
  await app.listen({ port: config.PORT, host: config.HOST });

  const housekeeping = setInterval(() => {
    sweepExpired(store, config).catch((err) => logger.warn({ err }, 'housekeeping failed'));
  }, HOUSEKEEPING_INTERVAL_MS);
  housekeeping.unref();

  print(`Drawbridge is running at ${config.BASE_URL} (database: ${handle.location})`);
  if (firstKey) {
    print('First start: an instance-admin API key was created. It is shown only this once:');
    print(`  ${firstKey}`);
    print(`Use it as:  curl -H "Authorization: Api-Key ${firstKey}" ${config.BASE_URL}/api/v1/organisations`);
  }

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      clearInterval(housekeeping);
      await app.close();
      await handle.close();
    })();
    return stopping;
  };
  return { app, url: config.BASE_URL, store, stop };
}

/** Stops on SIGTERM/SIGINT after in-flight requests finish. */
export function stopOnSignals(server: RunningServer, log: (line: string) => void = console.error): void {
  const onSignal = (signal: string) => {
    log(`${signal} received, stopping`);
    server.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log(`stop failed: ${String(err)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
}
