// Recording whatever the app threw: never a throw of ours, whatever the value, and an
// event that says what it was without carrying the values of a thrown object.
import { runInNewContext } from 'node:vm';
import t from 'tap';
import { exceptionAttributes, MESSAGE_LIMIT, recordExceptionSafely, recordThrown, STACK_LIMIT } from '../../sdk/spans/exception-attributes.js';

const cyclic: Record<string, unknown> = { password: 'hunter2' };
cyclic['self'] = cyclic;
const throwingGetters = Object.defineProperties({}, {
  name: { get: () => { throw new Error('name getter'); }, enumerable: true },
  message: { get: () => { throw new Error('message getter'); }, enumerable: true },
  stack: { get: () => { throw new Error('stack getter'); } },
  code: { get: () => { throw new Error('code getter'); } },
});
const hostileProxy = new Proxy({}, new Proxy({}, { get: () => () => { throw new Error('trap'); } }));

t.test('any value: attributes, never a throw', async (t) => {
  const cases: [string, unknown, string, string | RegExp][] = [
    ['a cycle', cyclic, 'Object', 'Object (not an Error) with keys: password, self'],
    ['a BigInt inside', { n: 10n }, 'Object', 'Object (not an Error) with keys: n'],
    ['toJSON that throws', { toJSON: () => { throw new Error('toJSON'); } }, 'Object', 'Object (not an Error) with keys: toJSON'],
    ['getters that throw', throwingGetters, 'Object', 'Object (not an Error) with keys: name, message'],
    ['a Proxy whose every trap throws', hostileProxy, 'Proxy', 'a Proxy (not an Error)'],
    ['a Symbol', Symbol('boom'), 'symbol', 'Symbol(boom)'],
    ['a BigInt', 42n, 'bigint', '42'],
    ['a number', 7, 'number', '7'],
    ['a string', 'plain text', 'string', 'plain text'],
    ['null', null, 'null', 'null'],
    ['undefined', undefined, 'undefined', 'undefined'],
    ['a frozen object', Object.freeze({ a: 1 }), 'Object', 'Object (not an Error) with keys: a'],
    ['an array', [1, 2, 3], 'Array', 'an Array of 3 items (not an Error)'],
    ['a null-prototype object', Object.create(null) as object, 'object', 'an object (not an Error) with keys: none'],
    ['an Error from another realm', runInNewContext('new TypeError("other realm")'), 'TypeError', 'other realm'],
    ['an Error subclass', new (class PaymentDeclined extends Error { override name = 'PaymentDeclined'; })('card'), 'PaymentDeclined', 'card'],
    ['an Error with a code', Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), 'ECONNREFUSED', 'refused'],
    ['an Error whose message is not a string', Object.assign(new Error(), { message: { nested: true } }), 'Error', 'Error (not an Error) with keys: message'],
  ];
  for (const [label, value, type, message] of cases) {
    const attributes = exceptionAttributes(value);
    t.equal(attributes['exception.type'], type, `${label}: type`);
    t.match(attributes['exception.message'], message, `${label}: message`);
    t.notMatch(JSON.stringify(attributes), /hunter2/, `${label}: no values of a thrown object`);
  }
  t.match(exceptionAttributes(runInNewContext('new Error("x")'))['exception.stacktrace'], /Error: x/, 'a foreign Error keeps its stack');
});

t.test('bounded, and URL credentials redacted', async (t) => {
  const long = exceptionAttributes('x'.repeat(1_000_000));
  t.ok(String(long['exception.message']).length < MESSAGE_LIMIT + 100, 'a thrown megabyte is cut');
  t.match(long['exception.message'], /more characters\)$/);
  const error = new Error('y'.repeat(100_000));
  t.ok(String(exceptionAttributes(error)['exception.stacktrace']).length < STACK_LIMIT + 100, 'the stack too');
  const secret = exceptionAttributes(new Error('connect to postgres://app:s3cret@db:5432/orders failed'));
  t.equal(secret['exception.message'], 'connect to postgres://REDACTED:REDACTED@db:5432/orders failed');
});

t.test('recordThrown: one exception event; a span that throws does not throw through', async (t) => {
  const events: [string, unknown][] = [];
  recordThrown({ addEvent: (name: string, attributes: unknown) => events.push([name, attributes]) } as never, cyclic);
  t.same(events, [['exception', { 'exception.type': 'Object', 'exception.message': 'Object (not an Error) with keys: password, self' }]]);
  t.doesNotThrow(() => recordThrown({ addEvent: () => { throw new Error('span'); } } as never, cyclic));
  t.doesNotThrow(() => recordThrown(undefined, cyclic));
});

t.test("recordExceptionSafely: the SDK span's recordException, given any value, records and never throws", async (t) => {
  const { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } = await import('@opentelemetry/sdk-trace');
  const exporter = new InMemorySpanExporter();
  const tracer = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }).getTracer('test');
  const before = tracer.startSpan('before');
  t.throws(() => before.recordException(Symbol('s') as never), 'the SDK as it comes throws for a Symbol');
  recordExceptionSafely(before);
  for (const value of [Symbol('s'), cyclic, throwingGetters, hostileProxy, new Error('plain')]) {
    const span = tracer.startSpan('span');
    t.doesNotThrow(() => span.recordException(value as never));
    span.end();
  }
  t.same(exporter.getFinishedSpans().map((s) => s.events[0]?.attributes?.['exception.type']), ['symbol', 'Object', 'Object', 'Proxy', 'Error']);
});
