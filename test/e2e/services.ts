// The real services the end-to-end tests run against, as scripts/services/up
// started them. A service that is not there fails the test with its own log tail;
// it never skips silently.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

export interface Services {
  databaseUrl: string;
  kafkaBrokers: string;
}

export interface Jaeger {
  /** The query API (`/api/v3/...`). */
  url: string;
  /** For OTEL_EXPORTER_OTLP_ENDPOINT (gRPC, the preload's default protocol). */
  otlpGrpc: string;
}

const stateDir = process.env['OTEL_PRELOAD_STATE'] ?? '/tmp/otel-preload-services';

/** Settings from the environment, else from the env.sh that `up` wrote. */
function settings(): Record<string, string> {
  const values: Record<string, string> = {};
  const file = join(stateDir, 'env.sh');
  if (existsSync(file)) {
    for (const match of readFileSync(file, 'utf8').matchAll(/^export (\w+)=(.*)$/gm)) values[match[1]] = match[2];
  }
  for (const key of ['DATABASE_URL', 'KAFKA_BROKERS', 'JAEGER_URL', 'JAEGER_OTLP_GRPC', 'PROMETHEUS_URL', 'PROMETHEUS_TARGETS_DIR', 'MYSQL_URL', 'REDIS_URL']) {
    const fromEnv = process.env[key];
    if (fromEnv !== undefined) values[key] = fromEnv;
  }
  return values;
}

function logTail(service: string): string {
  const file = join(stateDir, 'logs', `${service}.log`);
  if (!existsSync(file)) return `(no log at ${file}: was scripts/services/up run?)`;
  return readFileSync(file, 'utf8').split('\n').slice(-40).join('\n');
}

function reachable(hostPort: string): Promise<boolean> {
  const url = new URL(hostPort.includes('://') ? hostPort : `tcp://${hostPort}`);
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.setTimeout(2000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', () => resolve(false));
  });
}

async function jaegerReady(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/api/v3/services`)).ok;
  } catch {
    return false;
  }
}

/** PostgreSQL and Kafka: required; a missing one fails the test with its log tail. */
export async function requireServices(): Promise<Services> {
  const s = settings();
  const problems: string[] = [];
  const check = async (service: string, key: string, probe: (value: string) => Promise<boolean>) => {
    const value = s[key];
    if (value === undefined) problems.push(`${service}: ${key} is not set and ${join(stateDir, 'env.sh')} does not define it (run scripts/services/up)`);
    else if (!(await probe(value))) problems.push(`${service} is not answering at ${value}; last lines of its log:\n${logTail(service)}`);
  };
  await check('postgres', 'DATABASE_URL', (url) => reachable(`tcp://${new URL(url).host}`));
  await check('kafka', 'KAFKA_BROKERS', (brokers) => reachable(brokers.split(',')[0] ?? ''));
  if (problems.length > 0) throw new Error(`the end-to-end tests need the real services:\n${problems.join('\n')}`);
  return { databaseUrl: s['DATABASE_URL'] ?? '', kafkaBrokers: s['KAFKA_BROKERS'] ?? '' };
}

/** Jaeger (built by scripts/services/jaeger.sh): required; a missing one fails the test with its log tail. */
export async function requireJaeger(): Promise<Jaeger> {
  const s = settings();
  const url = s['JAEGER_URL'];
  const otlpGrpc = s['JAEGER_OTLP_GRPC'];
  if (url === undefined || otlpGrpc === undefined) throw new Error(`Jaeger settings missing from ${join(stateDir, 'env.sh')} (run scripts/services/up jaeger); log:\n${logTail('jaeger')}`);
  if (!(await jaegerReady(url))) throw new Error(`Jaeger is not answering at ${url}/api/v3/services (run scripts/services/up jaeger); last lines of its log:\n${logTail('jaeger')}`);
  return { url, otlpGrpc };
}

/**
 * Prometheus (Debian's package): its API, and a file-discovery targets file of this
 * caller's own (Prometheus scrapes every file in the directory, so the tests of two
 * checkouts sharing it never overwrite each other's targets).
 */
export function requirePrometheus(): { url: string; targetsFile: string } {
  const s = settings();
  const url = s['PROMETHEUS_URL'];
  const targetsDir = s['PROMETHEUS_TARGETS_DIR'];
  if (url === undefined || targetsDir === undefined) throw new Error(`Prometheus settings missing from ${join(stateDir, 'env.sh')} (run scripts/services/up prometheus); log:\n${logTail('prometheus')}`);
  return { url, targetsFile: join(targetsDir, `${process.pid}-${randomBytes(4).toString('hex')}.json`) };
}

/** MariaDB and Redis (Debian's packages): required; a missing one fails the test with its log tail. */
export async function requireDataStores(): Promise<{ mysqlUrl: string; redisUrl: string }> {
  // Without an env.sh entry (another checkout's older `up` rewrote env.sh without these
  // services), the ports lib.sh would start them on.
  const s = {
    MYSQL_URL: `mysql://root@127.0.0.1:${process.env['OTEL_PRELOAD_MARIADB_PORT'] ?? '23306'}/tasks`,
    REDIS_URL: `redis://127.0.0.1:${process.env['OTEL_PRELOAD_REDIS_PORT'] ?? '26379'}`,
    ...settings(),
  };
  const problems: string[] = [];
  for (const [service, key] of [['mariadb', 'MYSQL_URL'], ['redis', 'REDIS_URL']] as const) {
    const value = s[key];
    if (!(await reachable(`tcp://${new URL(value).host}`))) problems.push(`${service} is not answering at ${value} (run scripts/services/up ${service}); last lines of its log:\n${logTail(service)}`);
  }
  if (problems.length > 0) throw new Error(`the end-to-end tests need the real services:\n${problems.join('\n')}`);
  return { mysqlUrl: s.MYSQL_URL, redisUrl: s.REDIS_URL };
}
