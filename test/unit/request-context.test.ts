// The root of every request's context (sdk/spans/request-context.ts) stands in for the
// API's ROOT_CONTEXT: whatever an instrumentation or the app does with a context made
// from it must read as it does from the API's own.
import { context, createContextKey, propagation, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { isTracingSuppressed, suppressTracing, W3CTraceContextPropagator } from '@opentelemetry/core';
import t from 'tap';
import { REQUEST_ROOT_CONTEXT } from '../../sdk/spans/request-context.js';

const A = createContextKey('a');
const B = createContextKey('b');

t.test('values are set, read and deleted as on the API context, and no context changes once made', async (t) => {
  for (const [name, root] of [['API', ROOT_CONTEXT], ['request', REQUEST_ROOT_CONTEXT]] as const) {
    const one = root.setValue(A, 1);
    const two = one.setValue(B, 'two');
    const without = two.deleteValue(A);
    t.same([root.getValue(A), one.getValue(A), one.getValue(B), two.getValue(A), two.getValue(B), without.getValue(A), without.getValue(B)], [undefined, 1, undefined, 1, 'two', undefined, 'two'], `${name}: each context keeps its own values`);
    t.not(one, root, `${name}: setValue makes a new context`);
  }
});

t.test('spans, suppression and propagation read the same from it', async (t) => {
  const propagator = new W3CTraceContextPropagator();
  const headers = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'vendor=value' };
  const getter = { get: (carrier: Record<string, string>, key: string) => carrier[key], keys: (carrier: Record<string, string>) => Object.keys(carrier) };
  const extracted = propagator.extract(REQUEST_ROOT_CONTEXT, headers, getter);
  t.same(trace.getSpanContext(extracted), trace.getSpanContext(propagator.extract(ROOT_CONTEXT, headers, getter)), 'the remote parent, as from the API root');
  t.equal(trace.getSpanContext(extracted)?.traceFlags, TraceFlags.SAMPLED);
  t.equal(trace.getSpanContext(extracted)?.traceState?.serialize(), 'vendor=value', 'with its trace state');
  t.notOk(isTracingSuppressed(extracted), 'not suppressed');
  t.ok(isTracingSuppressed(suppressTracing(extracted)), 'suppressed once asked, as instrumentations ask');

  const span = trace.wrapSpanContext({ traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: TraceFlags.SAMPLED });
  const withSpan = trace.setSpan(extracted, span);
  t.equal(trace.getSpan(withSpan), span, 'the span set on it');
  t.equal(trace.getSpan(trace.deleteSpan(withSpan)), undefined, 'and deleted');

  const carrier: Record<string, string> = {};
  propagator.inject(withSpan, carrier, { set: (into: Record<string, string>, key: string, value: string) => { into[key] = value; } });
  t.equal(carrier['traceparent'], `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`, 'injected downstream from a context made from it');

  // The global propagation API with no propagator set leaves it as it came.
  t.equal(propagation.extract(REQUEST_ROOT_CONTEXT, headers), REQUEST_ROOT_CONTEXT);
  // context.with works with it (no context manager here: the callback runs, with its arguments).
  t.equal(context.with(withSpan, (x: number) => x + 1, undefined, 1), 2);
});
