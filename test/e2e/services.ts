// The real services the end-to-end tests run against, as scripts/services/up
// started them. A service that is not there fails the test with its own log tail;
// it never skips silently.
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

export interface Services {
  databaseUrl: string;
  kafkaBrokers: string;
}

export type Tempo = { url: string; otlpGrpc: string } | { unavailable: string };

const stateDir = process.env['OTEL_PRELOAD_STATE'] ?? '/tmp/otel-preload-services';

/** Settings from the environment, else from the env.sh that `up` wrote. */
function settings(): Record<string, string> {
  const values: Record<string, string> = {};
  const file = join(stateDir, 'env.sh');
  if (existsSync(file)) {
    for (const match of readFileSync(file, 'utf8').matchAll(/^export (\w+)=(.*)$/gm)) values[match[1]] = match[2];
  }
  for (const key of ['DATABASE_URL', 'KAFKA_BROKERS', 'TEMPO_URL', 'TEMPO_OTLP_GRPC', 'PROMETHEUS_URL', 'PROMETHEUS_TARGETS']) {
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

async function tempoReady(url: string): Promise<boolean> {
  try {
    return (await (await fetch(`${url}/ready`)).text()).trim() === 'ready';
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

/**
 * Tempo, or why it is not there. It is built from the Go module proxy; where the
 * proxy does not serve it, scripts/services/up-for-tests records the reason, and the
 * Tempo tests report it as their skip reason.
 */
export async function tempo(): Promise<Tempo> {
  const s = settings();
  const url = s['TEMPO_URL'];
  if (url !== undefined && (await tempoReady(url))) return { url, otlpGrpc: s['TEMPO_OTLP_GRPC'] ?? '' };
  const reasonFile = join(stateDir, 'tempo.unavailable');
  const reason = existsSync(reasonFile) ? readFileSync(reasonFile, 'utf8').trim() : `Tempo is not answering at ${url ?? '(TEMPO_URL unset)'}; last lines of its log:\n${logTail('tempo')}`;
  return { unavailable: reason };
}

/** Prometheus (Debian's package): its API, and the file-discovery targets file it scrapes. */
export function requirePrometheus(): { url: string; targetsFile: string } {
  const s = settings();
  const url = s['PROMETHEUS_URL'];
  const targetsFile = s['PROMETHEUS_TARGETS'];
  if (url === undefined || targetsFile === undefined) throw new Error(`Prometheus settings missing from ${join(stateDir, 'env.sh')} (run scripts/services/up prometheus); log:\n${logTail('prometheus')}`);
  return { url, targetsFile };
}
