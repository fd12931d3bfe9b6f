/** `npm start`: check the configuration, start the server, stop cleanly on SIGTERM. */
import { ConfigError, loadConfig } from './config/load.ts';
import { startServer, stopOnSignals } from './server.ts';

try {
  const config = loadConfig();
  stopOnSignals(await startServer(config));
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
}
