/** The PostgreSQL side of bench:core: whether the admin connection works, and a throwaway database. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { cleanups } from '../lib/program.ts';

/** undefined when `adminUrl` accepts a connection, else why PostgreSQL is skipped. */
export async function postgresReachable(adminUrl: string): Promise<string | undefined> {
  const probe = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3_000 });
  try {
    await probe.connect();
    await probe.end();
    return undefined;
  } catch (err) {
    return `skipped: cannot connect to ${new URL(adminUrl).host} (${(err as Error).message})`;
  }
}

/** A throwaway PostgreSQL database for `fn`, dropped afterwards (also on error and Ctrl-C). */
export async function withPostgresDatabase<T>(
  adminUrl: string,
  fn: (url: string, name: string, version: string) => Promise<T>,
): Promise<T> {
  const name = `drawbridge_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  let version: string;
  try {
    version = (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const drop = async () => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await c.end();
    }
  };
  cleanups.push(drop);
  try {
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return await fn(url.toString(), name, version);
  } finally {
    cleanups.splice(cleanups.indexOf(drop), 1);
    await drop();
  }
}
