// Trace and span ids: what W3C trace context and OTLP require of them, across the
// refills of the pool they are cut from.
import { isValidSpanId, isValidTraceId } from '@opentelemetry/api';
import t from 'tap';
import { PooledIdGenerator } from '../../sdk/spans/ids.js';

t.test('ids are valid, lower-case hex of the right length, and do not repeat', async (t) => {
  const ids = new PooledIdGenerator();
  const seen = new Set<string>();
  // Several refills of the pool, with trace and span ids taken in turn as a service takes them.
  for (let i = 0; i < 5000; i++) {
    const traceId = ids.generateTraceId();
    const spanId = ids.generateSpanId();
    if (!isValidTraceId(traceId) || !/^[0-9a-f]{32}$/.test(traceId)) t.fail(`trace id ${traceId}`);
    if (!isValidSpanId(spanId) || !/^[0-9a-f]{16}$/.test(spanId)) t.fail(`span id ${spanId}`);
    seen.add(traceId).add(spanId);
  }
  t.equal(seen.size, 10_000, 'no id came twice');
});

t.test('two generators do not give the same ids', async (t) => {
  const [a, b] = [new PooledIdGenerator(), new PooledIdGenerator()];
  t.not(a.generateSpanId(), b.generateSpanId());
});
