// Kafka messages from clients we do not control, with malformed trace headers:
// produced by a plain kafkajs producer (this test process, which runs without the
// preload) to the real broker, consumed by an instrumented consumer. The handler must
// get every message exactly as it was sent, each process span must start a new trace,
// and nothing may crash or be printed.
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, Partitioners, type IHeaders } from 'kafkajs';
import t from 'tap';
import { startReceiver } from '../../receiver/index.js';
import { fixture, startApp } from '../helpers/app.js';
import { requireServices } from './services.js';

const VALID_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
/** Every byte value, in a fixed order: binary noise that is not UTF-8. */
const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => (i * 167) % 256));
const invalidUtf8 = Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1]);

const CASES: [string, IHeaders][] = [
  ['garbage traceparent', { traceparent: 'not-a-traceparent' }],
  ['traceparent of invalid UTF-8 bytes', { traceparent: invalidUtf8 }],
  ['all-zero trace and span ids', { traceparent: '00-00000000000000000000000000000000-0000000000000000-01' }],
  ['version ff, upper case', { traceparent: `ff-${VALID_TRACE.toUpperCase()}-00F067AA0BA902B7-01` }],
  ['version 00 with a 100 KB tail', { traceparent: `00-${VALID_TRACE}-00f067aa0ba902b7-01-${'a'.repeat(100 * 1024)}` }],
  ['traceparent twice (an array), both broken', { traceparent: ['garbage', invalidUtf8] }],
  ['a 256 KB traceparent', { traceparent: 'x'.repeat(256 * 1024) }],
  ['empty traceparent and baggage', { traceparent: '', baggage: Buffer.alloc(0) }],
  ['garbage baggage', { baggage: '%%%;;;===,,,=;=,!!@@ {}[]' }],
  ['baggage of invalid UTF-8 bytes', { baggage: invalidUtf8 }],
  ['baggage three times, all broken', { baggage: ['===', invalidUtf8, 'k=%ZZ'] }],
  ['a 256 KB baggage of 65536 members', { baggage: 'k=v,'.repeat(64 * 1024) }],
  ['binary noise in both, with the app\'s own header', { traceparent: allBytes, baggage: allBytes, tracestate: allBytes, 'x-tenant': 'acme' }],
];

interface Received {
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string | string[] | null>;
}

const b64 = (value: Buffer | string) => Buffer.from(value).toString('base64');
const encoded = (headers: IHeaders) =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, Array.isArray(value) ? value.map(b64) : value === undefined ? null : b64(value)]));
const TRACE_ID = /^(?!0{32})[0-9a-f]{32}$/;
/** kafkajs 2.2 on Node 24 sets a negative timeout once, with or without the preload; not ours. */
const KAFKAJS_TIMEOUT_WARNING = /^\(node:\d+\) TimeoutNegativeWarning: .*\nTimeout duration was set to 1\.\n\(Use `node --trace-warnings \.\.\.`.*\n/gm;

t.test('malformed traceparent and baggage in Kafka messages from an uninstrumented producer', async (t) => {
  const services = await requireServices();
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const run = randomBytes(4).toString('hex');
  const topic = `bad-headers-${run}`;

  const kafka = new Kafka({ clientId: 'plain-producer', brokers: services.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  // One send per message: the large ones together would pass the broker's 1 MB batch limit.
  for (const [index, [, headers]] of CASES.entries()) await producer.send({ topic, messages: [{ key: `m${index}`, value: `value ${index}`, headers }] });
  await producer.disconnect();

  const consumers = await Promise.all(
    (['eachMessage', 'eachBatch'] as const).map(async (mode) => {
      const app = await startApp(fixture('scripts', 'kafka-consume-raw.js'), {
        waitForPort: false,
        env: { KAFKA_BROKERS: services.kafkaBrokers, TOPIC: topic, GROUP_ID: `bad-headers-${mode}-${run}`, CONSUME_MODE: mode, EXPECTED: String(CASES.length), OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl, OTEL_SERVICE_NAME: `consumer-${mode}` },
      });
      return { mode, app, exit: await app.exited };
    }),
  );

  for (const { mode, app, exit } of consumers) {
    t.test(mode, async (t) => {
      t.same(exit, { code: 0, signal: null }, `the consumer ran to its end:\n${app.stderr()}`);
      const stderr = app.stderr().replace(KAFKAJS_TIMEOUT_WARNING, '').split('\n').filter((l) => l !== '');
      t.equal(stderr.length, 1, `only the start-up line on stderr:\n${app.stderr()}`);
      const { received } = app.jsonLines().find((line) => 'received' in line) as { received: Received[] };
      t.equal(received.length, CASES.length, 'the handler got every message');
      for (const [index, [what, headers]] of CASES.entries()) {
        const message = received.find((m) => m.offset === String(index));
        t.same(message, { offset: String(index), key: b64(`m${index}`), value: b64(`value ${index}`), headers: encoded(headers) }, `${what}: key, value and headers byte for byte as sent`);
      }

      const spans = await receiver.waitForSpans((all) => all.filter((s) => s.resource['service.name'] === `consumer-${mode}` && s.name === 'handle').length >= CASES.length);
      const mine = spans.filter((s) => s.resource['service.name'] === `consumer-${mode}`);
      const processes = mine.filter((s) => s.kind === 'consumer');
      t.equal(processes.length, CASES.length, 'one process span per message');
      for (const [index, [what]] of CASES.entries()) {
        const span = processes.find((s) => String(s.attributes['messaging.kafka.offset']) === String(index));
        t.match(span?.traceId, TRACE_ID, `${what}: a valid trace id`);
        t.not(span?.traceId, VALID_TRACE, `${what}: not taken from the header`);
        t.same(span?.links, [], `${what}: no link to a made-up producer span`);
        if (mode === 'eachMessage') {
          t.equal(span?.parentSpanId, undefined, `${what}: the process span starts a new trace`);
          const handle = mine.find((s) => s.name === 'handle' && String(s.attributes['offset']) === String(index));
          t.equal(handle?.parentSpanId, span?.spanId, `${what}: the handler's work is inside it`);
        } else {
          const poll = mine.find((s) => s.spanId === span?.parentSpanId);
          t.match(poll?.name, /^poll /, `${what}: under its batch's poll span`);
          t.equal(poll?.parentSpanId, undefined, `${what}: which starts a new trace`);
        }
      }
      if (mode === 'eachMessage') t.equal(new Set(processes.map((s) => s.traceId)).size, CASES.length, 'each message its own trace');
    });
  }
});
