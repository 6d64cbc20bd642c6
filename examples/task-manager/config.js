// All configuration comes from the environment; every variable has a default that
// matches the project's local services (scripts/services/up).

function integer(name, fallback, { min, max }) {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

function oneOf(name, fallback, allowed) {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = raw.trim();
  if (!allowed.includes(value)) {
    throw new Error(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return value;
}

function list(name, fallback) {
  const raw = process.env[name];
  const value = raw === undefined || raw.trim() === '' ? fallback : raw;
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

function string(name, fallback) {
  const raw = process.env[name];
  return raw === undefined || raw.trim() === '' ? fallback : raw.trim();
}

export const config = Object.freeze({
  databaseUrl: string('DATABASE_URL', 'postgres://postgres@127.0.0.1:55432/tasks'),
  kafkaBrokers: list('KAFKA_BROKERS', '127.0.0.1:59092'),
  kafkaTopic: string('KAFKA_TOPIC', 'web-crawl-tasks'),
  kafkaGroupId: string('KAFKA_GROUP_ID', 'task-worker'),
  kafkaLogLevel: oneOf('KAFKA_LOG_LEVEL', 'WARN', ['NOTHING', 'ERROR', 'WARN', 'INFO', 'DEBUG']),
  host: string('HOST', '127.0.0.1'),
  port: integer('PORT', 3000, { min: 0, max: 65535 }),
  logLevel: oneOf('LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  // When unset, the consumer starts its own stub crawl target on an ephemeral loopback port.
  crawlTargetUrl: string('CRAWL_TARGET_URL', undefined),
  // in-process: the HTTP server also runs the Kafka consumer; off: HTTP server only
  // (run `node worker.js` as a second process).
  workerMode: oneOf('WORKER_MODE', 'in-process', ['in-process', 'off']),
  consumerMode: oneOf('CONSUMER_MODE', 'eachMessage', ['eachMessage', 'eachBatch']),
  shutdownTimeoutMs: integer('SHUTDOWN_TIMEOUT_MS', 10_000, { min: 0, max: 600_000 }),
});
