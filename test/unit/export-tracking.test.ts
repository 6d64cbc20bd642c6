// What an exit that cannot wait still has to send.
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import t from 'tap';
import { UnexportedSpans } from '../../sdk/export-tracking.js';

const span = (name: string) => ({ name }) as unknown as ReadableSpan;

t.test('spans are held until their export reports back', async (t) => {
  const unexported = new UnexportedSpans(10);
  const [a, b, c] = [span('a'), span('b'), span('c')];
  for (const s of [a, b, c]) unexported.add(s);
  unexported.settle([a, c]);
  t.same(unexported.drain(), [b]);
  t.same(unexported.drain(), [], 'drained once: whoever drains sends them');
});

t.test('bounded: past the limit the oldest go, the newest are kept', async (t) => {
  const unexported = new UnexportedSpans(3);
  const spans = ['1', '2', '3', '4', '5'].map(span);
  for (const s of spans) unexported.add(s);
  t.same(unexported.drain().map((s) => s.name), ['3', '4', '5']);
});
