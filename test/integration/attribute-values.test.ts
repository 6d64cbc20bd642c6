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
