// Failures inside the app's own dependencies, against the real PostgreSQL and Kafka:
// each scenario runs the same plain fixture twice, without the preload and with it.
// The app must see exactly the same errors, retries and redeliveries both times, and
// the spans of the failed operations must say that they failed and why.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import t, { type Test } from 'tap';
import type { CollectedSpan } from '../../receiver/index.js';
import { startReceiver } from '../../receiver/index.js';
import { fixture, freePort, registerPath, startApp, stop } from '../helpers/app.js';
import { requireServices } from './services.js';

type Json = Record<string, unknown>;
interface LogEntry {
  level: number;
  namespace?: string;
  message: string;
  retryCount?: number;
}
interface Run {
  result: Json;
  kafkaLog: LogEntry[];
  /** The app's stderr without our own lines, process ids masked. */
  appStderr: string;
}

const app = fixture('dependency-failures', 'app.js');
/** A scenario that has not ended by then is a failure, never a hang. */
const RUN_TIMEOUT_MS = 30_000;

/** Runs one scenario of the fixture, bare or under the preload; the run id is masked in what it prints. */
async function runScenario(scenario: string, env: Record<string, string>, traced: boolean, otlpEndpoint: string): Promise<Run> {
  const runId = randomBytes(4).toString('hex');
  const running = await startApp(app, {
    waitForPort: false,
    nodeArgs: traced ? ['--import', registerPath] : [],
    env: { ...env, SCENARIO: scenario, RUN_ID: runId, OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint, OTEL_SERVICE_NAME: 'dependency-failures' },
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), RUN_TIMEOUT_MS)));
  const ended = await Promise.race([running.exited, timedOut]);
  clearTimeout(timer);
  const label = `${scenario} ${traced ? 'with the preload' : 'bare'}`;
  if (ended === 'timeout') {
    await stop(running);
    throw new Error(`${label} did not end within ${RUN_TIMEOUT_MS} ms\nstdout: ${running.stdout()}\nstderr: ${running.stderr()}`);
  }
  if (ended.code !== 0) throw new Error(`${label} exited with ${ended.code ?? ended.signal}\nstdout: ${running.stdout()}\nstderr: ${running.stderr()}`);
  const line = running.stdout().split('\n').find((l) => l.startsWith('{"scenario"'));
  if (line === undefined) throw new Error(`${label} printed no result\nstdout: ${running.stdout()}\nstderr: ${running.stderr()}`);
  const { result, kafkaLog } = JSON.parse(line.replaceAll(runId, '<run>')) as { result: Json; kafkaLog: LogEntry[] };
  const appStderr = running
    .stderr()
    .split('\n')
    .filter((l) => !l.startsWith('otel-preload:'))
    .join('\n')
    .replace(/\(node:\d+\)/g, '(node:PID)')
    // Node's warning for kafkajs' negative timeout quotes the (time-dependent) value.
    .replace(/-\d+ is a negative number/g, 'N is a negative number');
  return { result, kafkaLog, appStderr };
}

interface Compared {
  bare: Run;
  traced: Run;
  spans: CollectedSpan[];
}

/**
 * The scenario bare and traced (one after the other, or side by side where they share
 * nothing), asserting that the app saw the same results, errors and stderr both times.
 */
async function bareAndTraced(t: Test, scenario: string, env: Record<string, string>, options: { parallel?: boolean; between?: () => void } = {}): Promise<Compared> {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  let bare: Run;
  let traced: Run;
  if (options.parallel === true) {
    [bare, traced] = await Promise.all([runScenario(scenario, env, false, receiver.grpcUrl), runScenario(scenario, env, true, receiver.grpcUrl)]);
  } else {
    bare = await runScenario(scenario, env, false, receiver.grpcUrl);
    options.between?.();
    traced = await runScenario(scenario, env, true, receiver.grpcUrl);
  }
  t.strictSame(traced.result, bare.result, 'the app sees the same results and errors (class, name, message, code, every field) as without us');
  t.equal(traced.appStderr, bare.appStderr, 'and writes the same stderr');
  // Spans are flushed before the traced process exits; only the traced run exports any.
  return { bare, traced, spans: receiver.spans };
}

const errorOf = (result: Json, key: string) => (result[key] as { error?: Json } | undefined)?.error;
const exceptionMessages = (span: CollectedSpan) => span.events.filter((e) => e.name === 'exception').map((e) => String(e.attributes['exception.message']));
const describeSpans = (spans: CollectedSpan[]) => spans.map((s) => `${s.name} ${s.status.code} ${s.status.message ?? ''}`).join('\n');

t.test('PostgreSQL down: connect spans fail with the connection error; the app gets the same error', async (t) => {
  const closedPort = await freePort();
  const { bare, spans } = await bareAndTraced(t, 'pg-down', { CLOSED_PORT: String(closedPort) });
  for (const key of ['clientConnect', 'poolQuery', 'poolConnectCallback']) {
    t.match(errorOf(bare.result, key), { class: 'Error', code: 'ECONNREFUSED', port: closedPort }, `${key}: the app's own error is ECONNREFUSED`);
  }
  const pgSpans = spans.filter((s) => s.scope.name === '@opentelemetry/instrumentation-pg');
  const connects = pgSpans.filter((s) => s.name === 'pg.connect');
  const poolConnects = pgSpans.filter((s) => s.name === 'pg-pool.connect');
  t.equal(connects.length, 3, `one pg.connect span per attempt (client.connect, pool.query, pool.connect):\n${describeSpans(pgSpans)}`);
  t.equal(poolConnects.length, 2, 'one pg-pool.connect span per pool checkout');
  for (const span of pgSpans) {
    t.equal(span.status.code, 'error', `${span.name}: error status`);
    t.equal(span.status.message, `connect ECONNREFUSED 127.0.0.1:${closedPort}`, `${span.name}: the status message is the error's`);
    t.match(exceptionMessages(span), [/ECONNREFUSED/], `${span.name}: an exception event naming the error code`);
    t.equal(span.attributes['server.port'], closedPort, `${span.name}: the server it tried`);
  }
  for (const connect of connects.filter((s) => s.parentSpanId !== undefined)) {
    t.ok(poolConnects.some((p) => p.spanId === connect.parentSpanId), 'a pool\'s connect attempt is a child of its checkout');
  }
});

t.test('PostgreSQL: a syntax error, a missing table and a bad value fail their query spans; the app gets the same errors', async (t) => {
  const services = await requireServices();
  const secret = `hunter-${randomBytes(3).toString('hex')}`;
  const { bare, spans } = await bareAndTraced(t, 'pg-bad-query', { DATABASE_URL: services.databaseUrl, SECRET_VALUE: secret });
  t.match(errorOf(bare.result, 'syntaxError'), { class: 'DatabaseError', code: '42601' }, 'syntax error: SQLSTATE 42601');
  t.match(errorOf(bare.result, 'missingTable'), { class: 'DatabaseError', code: '42P01' }, 'missing table: SQLSTATE 42P01');
  t.match(errorOf(bare.result, 'missingTableCallback'), { class: 'DatabaseError', code: '42P01' }, 'missing table (callback): SQLSTATE 42P01');
  t.match(errorOf(bare.result, 'badValue'), { class: 'DatabaseError', code: '22P02' }, 'bad value: SQLSTATE 22P02');
  t.same(bare.result['afterwards'], { ok: 42 }, 'the pool still works after the failures');

  const queries = spans.filter((s) => s.name.startsWith('pg.query'));
  const text = (s: CollectedSpan) => {
    const value = s.attributes['db.query.text'] ?? s.attributes['db.statement'];
    return typeof value === 'string' ? value : '';
  };
  // Statements as recorded: literals replaced by ?.
  const cases = [
    { statement: 'SELEC ?', code: '42601', message: 'syntax error at or near "?"', count: 1 },
    { statement: 'SELECT id FROM missing_table_', code: '42P01', message: 'relation "?" does not exist', count: 2 },
    { statement: 'SELECT $1::int', code: '22P02', message: 'invalid input syntax for type integer: "?"', count: 1 },
  ];
  for (const { statement, code, message, count } of cases) {
    const failed = queries.filter((s) => text(s).startsWith(statement));
    t.equal(failed.length, count, `${statement}: ${count} query span(s):\n${describeSpans(queries)}`);
    for (const span of failed) {
      t.equal(span.kind, 'client');
      t.equal(span.status.code, 'error', `${statement}: error status`);
      t.equal(span.status.message, message, `${statement}: the status message is the server's, quoted values replaced`);
      t.match(exceptionMessages(span), [new RegExp(`code: ${code}\\)`)], `${statement}: an exception event with SQLSTATE ${code}`);
    }
  }
  const ok = queries.find((s) => text(s).startsWith('SELECT ? + ?'));
  t.equal(ok?.status.code, 'unset', 'the query that worked is not marked failed');
  // instrumentation-pg copies the server's message into the span status, and PostgreSQL quotes the
  // offending parameter value in it: our redaction replaces quoted parts of it.
  const all = JSON.stringify(spans, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  t.notOk(all.includes(secret), 'a parameter value quoted in the server\'s error message is not recorded');
});

t.test('Kafka broker down (port closed): the same error after the same retries; the send span fails', async (t) => {
  const closedPort = await freePort();
  const { bare, traced, spans } = await bareAndTraced(t, 'kafka-down', { BROKER_PORT: String(closedPort) });
  t.match(errorOf(bare.result, 'connect'), { class: 'KafkaJSNumberOfRetriesExceeded', retryCount: 2, cause: { class: 'KafkaJSConnectionError', code: 'ECONNREFUSED' } }, 'connect gives up after its 2 retries');
  t.match(errorOf(bare.result, 'send'), { class: 'KafkaJSError', message: 'The producer is disconnected' });
  const attempts = (run: Run) => run.kafkaLog.filter((entry) => entry.namespace === 'Connection' && /ECONNREFUSED/.test(entry.message)).length;
  t.equal(attempts(bare), 3, 'bare: kafkajs logs 3 connection attempts (1 + 2 retries)');
  t.strictSame(traced.kafkaLog, bare.kafkaLog, 'kafkajs logs the same attempts and retries with us');
  assertFailedSends(t, spans, `orders-<run>`, 'KafkaJSError', 'The producer is disconnected');
});

t.test('Kafka broker accepting and dropping connections: the same number of connections with us', async (t) => {
  let connections = 0;
  // Reads the client's first request, then closes: always a clean close, never a reset that races with the request.
  const broker = createServer((socket) => {
    connections++;
    socket.once('data', () => socket.end());
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => broker.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => broker.close(() => resolve())));
  const port = (broker.address() as { port: number }).port;
  let bareConnections = 0;
  const { bare } = await bareAndTraced(t, 'kafka-down', { BROKER_PORT: String(port) }, {
    between: () => {
      bareConnections = connections;
      connections = 0;
    },
  });
  t.match(errorOf(bare.result, 'connect'), { class: 'KafkaJSNumberOfRetriesExceeded', retryCount: 2 }, 'connect gives up after its 2 retries');
  t.equal(bareConnections, 3, 'bare: 3 connections (1 + 2 retries)');
  t.equal(connections, bareConnections, 'with us: the same number of connections');
});

t.test('Kafka topic missing (no auto-creation): the same error after the same retries; the send span fails', async (t) => {
  const services = await requireServices();
  const { bare, traced, spans } = await bareAndTraced(t, 'kafka-topic-missing', { KAFKA_BROKERS: services.kafkaBrokers });
  t.match(errorOf(bare.result, 'send'), { class: 'KafkaJSNumberOfRetriesExceeded', retryCount: 2, cause: { class: 'KafkaJSProtocolError', type: 'UNKNOWN_TOPIC_OR_PARTITION' } });
  t.equal(bare.result['topicExists'], false, 'the topic was not created');
  const metadataErrors = (run: Run) => run.kafkaLog.filter((entry) => entry.namespace === 'Connection' && entry.message.startsWith('Response Metadata')).length;
  t.equal(metadataErrors(bare), 3, 'bare: kafkajs logs 3 failed metadata requests (1 + 2 retries)');
  t.strictSame(traced.kafkaLog, bare.kafkaLog, 'kafkajs logs the same attempts and retries with us');
  assertFailedSends(t, spans, 'missing-<run>', 'KafkaJSNumberOfRetriesExceeded', 'This server does not host this topic-partition');
});

t.test('Kafka consumer handler throwing: the same redeliveries and crash with us; failed process spans carry the error', { timeout: 90_000 }, async (t) => {
  const services = await requireServices();
  const failTimes = 2;
  const { bare, traced, spans } = await bareAndTraced(t, 'kafka-handler-throws', { KAFKA_BROKERS: services.kafkaBrokers, FAIL_TIMES: String(failTimes) }, { parallel: true });
  const redelivered = ['first@0', 'poison@1', 'poison@1', 'poison@1', 'last@2'];
  t.strictSame((bare.result['calls'] as Json)['async'], redelivered, `bare, async handler: the message is redelivered until the handler stops failing (${failTimes} failures)`);
  t.strictSame((bare.result['calls'] as Json)['sync'], redelivered, 'bare, handler throwing synchronously: the same');
  t.strictSame((bare.result['calls'] as Json)['fatal'], ['first@0', 'poison@1'], 'bare: a TypeError stops the consumer');
  t.match((bare.result['crashes'] as Json)['fatal'], [{ error: { class: 'KafkaJSNonRetriableError', cause: { class: 'TypeError' } }, restart: false }]);
  // Consumers run side by side, so the order of their log lines varies; each line must appear as often.
  // The consumers' lines only: producing to the fresh topic can meet a leader election
  // (seen: "Producer: Failed to send messages: This server is not the leader", retried),
  // in either run, with or without us.
  const errors = (run: Run) =>
    run.kafkaLog.filter((entry) => entry.level === 1 && (entry.namespace === 'Runner' || entry.namespace === 'Consumer')).map((entry) => `${entry.namespace}: ${entry.message}`).sort();
  t.equal(errors(bare).filter((line) => line === 'Runner: Error when calling eachMessage').length, 2 * failTimes + 1, 'bare: kafkajs logs each failed call');
  t.strictSame(errors(traced), errors(bare), 'kafkajs logs the same errors with us');

  const unended = { todo: 'instrumentation-kafkajs never ends the span of a handler that throws synchronously (open-telemetry/opentelemetry-js-contrib#3691)' };
  for (const [kind, fault, failures] of [['async', 'Error', failTimes], ['sync', 'Error', failTimes], ['fatal', 'TypeError', 1]] as const) {
    const processSpans = spans.filter((s) => s.kind === 'consumer' && new RegExp(`^throws-${kind}-[0-9a-f]{8}$`).test(String(s.attributes['messaging.destination.name'])));
    const calls = (traced.result['calls'] as Record<string, string[]>)[kind] ?? [];
    const failed = processSpans.filter((s) => s.status.code === 'error');
    t.equal(processSpans.length, calls.length, `${kind}: one process span per handler call (${calls.length}):\n${describeSpans(processSpans)}`, kind === 'sync' ? unended : {});
    t.equal(failed.length, failures, `${kind}: an error span per failed call (${failures})`, kind === 'sync' ? unended : {});
    for (const span of failed) {
      t.equal(span.status.message, `cannot handle poison (${kind})`, `${kind}: the status message is the thrown error's`);
      t.equal(span.attributes['error.type'], fault, `${kind}: error.type is the thrown error's class`);
      t.equal(span.attributes['messaging.kafka.offset'], '1', `${kind}: on the poison message's offset`);
      t.ok(exceptionMessages(span).includes(`cannot handle poison (${kind})`), `${kind}: an exception event`);
    }
    t.ok(processSpans.filter((s) => s.status.code !== 'error').every((s) => s.status.code === 'unset'), `${kind}: the calls that worked are not marked failed`);
  }
});

function assertFailedSends(t: Test, spans: CollectedSpan[], topic: string, errorType: string, message: string) {
  const sends = spans.filter((s) => s.kind === 'producer' && String(s.attributes['messaging.destination.name']).replace(/-[0-9a-f]{8}$/, '-<run>') === topic);
  t.equal(sends.length, 1, `one send span for ${topic}:\n${describeSpans(spans)}`);
  for (const span of sends) {
    t.equal(span.status.code, 'error', 'the send span has error status');
    t.equal(span.status.message, message, 'with the error\'s message');
    t.equal(span.attributes['error.type'], errorType, 'error.type is the error\'s class');
    t.ok(exceptionMessages(span).includes(message), 'an exception event');
  }
}
