// What an app's attribute values become on the wire: kept, or dropped without a crash.
// The bundled SDK's checks were changed for speed (scripts/bundle.mjs); they must give
// what @opentelemetry/core's own functions give.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import t from 'tap';
import { startReceiver } from '../../receiver/index.js';
import { appEnv, fixture, registerPath } from '../helpers/app.js';

const run = promisify(execFile);

const KEPT = {
  string: 'text',
  empty: '',
  number: 42.5,
  integer: 7,
  boolean: false,
  strings: ['a', 'b'],
  mixedArray: ['a', 1, true],
  nested: { inner: 'value', list: [1, 2] },
};

t.test('valid values are kept as they are, invalid ones dropped, at the start and afterwards', async (t) => {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const { stderr } = await run(process.execPath, ['--import', registerPath, fixture('scripts', 'attribute-values.js')], { env: appEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl }) });
  const spans = await receiver.waitForSpans((all) => all.length >= 3);
  for (const name of ['at-start', 'set-later']) {
    const span = spans.find((s) => s.name === name);
    const { bytes, ...rest } = span?.attributes ?? {};
    t.same(rest, KEPT, `${name}: every valid value, and nothing else`);
    t.same(Array.from((bytes as Uint8Array | undefined) ?? []), [1, 2, 3], `${name}: bytes`);
  }
  t.same(spans.find((s) => s.name === 'inherited')?.attributes, { own: 'own' }, "only the object's own keys");
  t.notMatch(stderr, /TypeError|RangeError|Maximum call stack/, 'nothing thrown on the way');
});

t.test('spans no OTLP message can hold are lost alone: the app runs as it does bare, the spans around them arrive', async (t) => {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const script = fixture('scripts', 'unwritable-spans.js');
  const env = appEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl });
  const bare = await run(process.execPath, [script], { env });
  const traced = await run(process.execPath, ['--import', registerPath, script], { env });
  t.equal(traced.stdout, bare.stdout, 'the same output as bare');
  const appLines = (stderr: string) => stderr.split('\n').filter((line) => !line.startsWith('otel-preload:')).join('\n');
  t.equal(appLines(traced.stderr), appLines(bare.stderr), 'the same stderr as bare, once our own start-up line is removed');
  t.notMatch(traced.stderr, /queue was full|failed/, 'not blamed on the queue or the backend');
  const spans = await receiver.waitForSpans((all) => all.some((s) => s.name === 'after'));
  const names = spans.map((s) => s.name).sort();
  t.same(names, ['after', 'before'], 'the ordinary spans of the same batch arrive, and only they');
  // Six spans made, two received: our one count says four, and why.
  t.match(traced.stderr, /warn: 4 spans were dropped: the app gave them values no OTLP message can hold/, 'the count is what the receiver did not get, with its reason');
});
