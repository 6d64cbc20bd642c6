// The real PostgreSQL and Kafka for the database route (scripts/services/up).
// The example runs against a database and topic of the bench's own, so its rows and
// messages never mix with the tests' (which may run at the same time).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { createRequire } from 'node:module';
import { ROOT } from './configs.mjs';

const require = createRequire(import.meta.url);
const STATE = process.env.OTEL_PRELOAD_STATE ?? '/tmp/otel-preload-services';
export const BENCH_DATABASE = 'otel_preload_bench';
export const BENCH_TOPIC = 'otel-preload-bench';

function envFile() {
  const path = `${STATE}/env.sh`;
  if (!existsSync(path)) return {};
  const found = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^export ([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) found[match[1]] = match[2].replace(/^["']|["']$/g, '');
  }
  return found;
}

function reachable(hostPort, timeoutMs = 1500) {
  const [host, port] = hostPort.split(':');
  return new Promise((resolve) => {
    const socket = createConnection({ host, port: Number(port) });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Settings for the database route. If PostgreSQL or Kafka is not reachable, starts
 * them with scripts/services/up (idempotent). Creates the bench's own database and
 * empties its table so that every run inserts into a table of the same size.
 */
export async function prepareServices({ log }) {
  let settings = { DATABASE_URL: process.env.DATABASE_URL, KAFKA_BROKERS: process.env.KAFKA_BROKERS, ...envFile() };
  const pgUrl = () => new URL(settings.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:55432/tasks');
  const broker = () => (settings.KAFKA_BROKERS ?? '127.0.0.1:59092').split(',')[0];
  if (!(await reachable(`${pgUrl().hostname}:${pgUrl().port || 5432}`)) || !(await reachable(broker()))) {
    log('PostgreSQL or Kafka not reachable: starting them (scripts/services/up postgres kafka)');
    execFileSync(`${ROOT}scripts/services/up`, ['postgres', 'kafka'], { stdio: ['ignore', 'ignore', 'inherit'], cwd: ROOT });
    settings = { ...settings, ...envFile() };
  }
  const pg = require('pg');
  const admin = new pg.Client({ connectionString: pgUrl().toString() });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [BENCH_DATABASE]);
    if (rowCount === 0) await admin.query(`CREATE DATABASE ${BENCH_DATABASE}`);
  } finally {
    await admin.end();
  }
  const benchUrl = pgUrl();
  benchUrl.pathname = `/${BENCH_DATABASE}`;
  const client = new pg.Client({ connectionString: benchUrl.toString() });
  await client.connect();
  try {
    await client.query('DROP TABLE IF EXISTS web_crawl_tasks');
  } finally {
    await client.end();
  }
  return { DATABASE_URL: benchUrl.toString(), KAFKA_BROKERS: settings.KAFKA_BROKERS ?? '127.0.0.1:59092', KAFKA_TOPIC: BENCH_TOPIC };
}

/** Empties the table between cases (the example recreates nothing: the table stays, rows go). */
export async function truncateTasks(databaseUrl) {
  const pg = require('pg');
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('TRUNCATE web_crawl_tasks');
  } catch {
    // not created yet: the example's migration creates it
  } finally {
    await client.end();
  }
}
