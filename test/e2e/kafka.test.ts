// kafkajs against the real broker: send, sendBatch, eachMessage and eachBatch, and
// the traceparent header that carries the trace through the message.
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { startReceiver } from '../../receiver/index.js';
import { fixture, startApp } from '../helpers/app.js';
import { requireServices } from './services.js';

interface Received {
  mode: string;
  topic: string;
  key: string;
  headers: Record<string, string>;
}

t.test('send, sendBatch, eachMessage, eachBatch', async (t) => {
  const services = await requireServices();
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const run = randomBytes(4).toString('hex');
  const secret = `card-${randomBytes(4).toString('hex')}`;
  const app = await startApp(fixture('scripts', 'kafka-usage.js'), {
    waitForPort: false,
    env: { KAFKA_BROKERS: services.kafkaBrokers, RUN_ID: run, SECRET_VALUE: secret, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl, OTEL_METRICS_EXPORTER: 'otlp' },
  });
  t.same(await app.exited, { code: 0, signal: null }, app.stderr());
  const { received } = app.jsonLines()[0] as { received: Received[] };
  t.equal(received.length, 4, 'all four messages consumed');
  // With metrics on, the client's operation durations (flushed at exit); with them off, kafkajs is not asked for its request events.
  const metricNames = new Set(receiver.metrics.map((metric) => metric.name));
  t.ok(metricNames.has('messaging.client.operation.duration'), `messaging.client.operation.duration (got ${[...metricNames].join(', ')})`);

  const spans = receiver.spans;
  const publish = spans.find((s) => s.name === 'kafka-fixture.publish');
  const producers = spans.filter((s) => s.kind === 'producer');
  t.equal(producers.length, 4, 'one send span per message (1 send + 3 in sendBatch)');
  t.ok(producers.every((s) => s.parentSpanId === publish?.spanId), 'sends are children of the active span');
  t.ok(producers.every((s) => s.attributes['messaging.system'] === 'kafka'), 'messaging.system');
  t.same([...new Set(producers.map((s) => s.attributes['messaging.destination.name']))].sort(), [`fixture-batch-a-${run}`, `fixture-batch-b-${run}`, `fixture-single-${run}`]);

  const single = received.find((m) => m.mode === 'eachMessage');
  t.equal(single?.headers['x-tenant'], 'acme', 'the app\'s own header arrives unchanged');
  t.match(single?.headers['traceparent'], /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/, 'a traceparent header travels with the message');
  const singleProducer = producers.find((s) => s.attributes['messaging.destination.name'] === `fixture-single-${run}`);
  t.equal(single?.headers['traceparent']?.split('-')[2], singleProducer?.spanId, 'it names the send span');

  const processSpans = spans.filter((s) => s.kind === 'consumer');
  const eachMessageProcess = processSpans.find((s) => s.attributes['messaging.destination.name'] === `fixture-single-${run}`);
  t.equal(eachMessageProcess?.parentSpanId, singleProducer?.spanId, 'eachMessage: the process span is a child of the send span');
  t.equal(eachMessageProcess?.traceId, publish?.traceId, 'in the producer\'s trace');

  for (const producer of producers.filter((s) => s !== singleProducer)) {
    const linked = processSpans.find((s) => s.links.some((l) => l.spanId === producer.spanId));
    t.ok(linked, `eachBatch: a process span links to the send span on ${String(producer.attributes['messaging.destination.name'])}`);
    const poll = spans.find((s) => s.spanId === linked?.parentSpanId);
    t.match(poll?.name, /^poll /, 'under the batch\'s poll span');
  }
  for (const message of received) t.ok(message.headers['traceparent'], `${message.mode} ${message.key}: traceparent present`);
  const all = JSON.stringify(spans, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  t.notOk(all.includes(secret), 'message values are never recorded');
  t.notOk(all.includes('order-1'), 'message keys are never recorded');
});

t.test("a message the app froze: sent as bare, with its producer span", async (t) => {
  const services = await requireServices();
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const env = { KAFKA_BROKERS: services.kafkaBrokers, RUN_ID: randomBytes(4).toString('hex'), OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl };
  const run = async (nodeArgs?: string[]) => {
    const app = await startApp(fixture('scripts', 'kafka-frozen-message.js'), { env, waitForPort: false, ...(nodeArgs ? { nodeArgs } : {}) });
    const exit = await app.exited;
    // Of our lines only the start-up line is expected; kafkajs's own warnings carry the pid and a time: digits masked.
    const stderr = app.stderr().replace(/^otel-preload: v\S+ tracing service .*\n/m, '').replace(/\d+/g, 'N');
    return { exit, stdout: app.stdout(), stderr };
  };
  const bare = await run([]);
  const traced = await run();
  t.same(traced, bare, 'the same outcomes, and no line of ours about them');
  t.equal(bare.stdout, 'frozen, no headers: sent {"value":"a"}\nfrozen, its own headers: sent {"value":"b","headers":{"app":"x"}}\nfrozen through and through: sent {"value":"c","headers":{"app":"y"}}\n');
  const spans = await receiver.waitForSpans((all) => all.filter((span) => span.kind === 'producer').length >= 3);
  t.equal(spans.filter((span) => span.kind === 'producer').length, 3, 'a producer span for each');
});
