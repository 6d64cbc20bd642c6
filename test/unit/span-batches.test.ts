// Between ended spans and the exporter: batches as OTEL_BSP_* say, the spans an exit
// that cannot wait still has to send, and the one count of spans lost.
import { context, diag, DiagLogLevel, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { type ExportResult, ExportResultCode, isTracingSuppressed } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import t from 'tap';
import type { BatchConfig } from '../../config/batch.js';
import { ExportFailures } from '../../sdk/export/export-failures.js';
import { SpanBatches } from '../../sdk/export/span-batches.js';

// As in the preload: the context travels with the timer that exports a batch.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

const span = (name: string, resource: object = {}) => ({ name, resource }) as unknown as ReadableSpan;
const names = (spans: readonly ReadableSpan[]) => spans.map((s) => s.name);
/** What drain() owes, span names in order across its batches. */
const owed = (batches: readonly ReadableSpan[][]) => names(batches.flat());
const BATCH: BatchConfig = { scheduledDelayMillis: 60_000, exportTimeoutMillis: 30_000, maxQueueSize: 6, maxExportBatchSize: 3 };

/** An exporter that answers only when told to, remembering what it was given and in which context. */
function heldExporter() {
  const calls: Array<{ spans: ReadableSpan[]; answer: (result: ExportResult) => void; suppressed: boolean; active: unknown }> = [];
  const exporter: SpanExporter = {
    export: (spans, answer) => calls.push({ spans, answer, suppressed: isTracingSuppressed(context.active()), active: trace.getActiveSpan() }),
    shutdown: () => Promise.resolve(),
  };
  return { exporter, calls };
}
const ok = { code: ExportResultCode.SUCCESS };

function warnings(t: { teardown(cleanup: () => void): void }): string[] {
  const lines: string[] = [];
  diag.setLogger({ warn: (m: string) => lines.push(m), error() {}, info() {}, debug() {}, verbose() {} }, DiagLogLevel.WARN);
  t.teardown(() => diag.disable());
  return lines;
}

t.test('a full batch goes at once, two exports at a time; spans are owed until their batch reports back', async (t) => {
  const { exporter, calls } = heldExporter();
  const batches = new SpanBatches(exporter, new ExportFailures('spans', 'http://collector:4317'), BATCH);
  for (const name of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']) batches.add(span(name));
  t.same(calls.map((c) => names(c.spans)), [['a', 'b', 'c'], ['d', 'e', 'f']], 'two full batches are exported; the rest wait for one of them');
  calls[0]?.answer(ok);
  t.same(calls.map((c) => names(c.spans)).slice(2), [['g', 'h', 'i']], 'the next full batch goes as the first reports back');
  t.same(owed(batches.drain()), ['d', 'e', 'f', 'g', 'h', 'i', 'j'], 'at exit: the batches in flight and the queue, not what was exported');
  t.same(batches.drain(), [], 'drained once: whoever drains sends them');
});

t.test('a batch that is not full goes after OTEL_BSP_SCHEDULE_DELAY, outside any trace', async (t) => {
  const { exporter, calls } = heldExporter();
  const batches = new SpanBatches(exporter, new ExportFailures('spans', 'http://collector:4317'), { ...BATCH, scheduledDelayMillis: 20 });
  const request = trace.wrapSpanContext({ traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: 1 });
  context.with(trace.setSpan(context.active(), request), () => batches.add(span('a')));
  t.equal(calls.length, 0);
  await new Promise((resolve) => setTimeout(resolve, 60));
  t.same(calls.map((c) => names(c.spans)), [['a']]);
  t.equal(calls[0]?.suppressed, true, "the exporter's own calls are not traced");
  t.equal(calls[0]?.active, undefined, 'nor part of the trace whose span ended last');
});

t.test('a full queue: spans dropped, not owed at exit, and counted once with what failed exports lost', async (t) => {
  const lines = warnings(t);
  const { exporter, calls } = heldExporter();
  const batches = new SpanBatches(exporter, new ExportFailures('spans', 'http://collector:4317'), BATCH);
  for (let i = 0; i < 15; i++) batches.add(span(String(i)));
  // 2 × 3 in flight, 6 queued (maxQueueSize), 3 dropped.
  calls[0]?.answer({ code: ExportResultCode.FAILED, error: new Error('unavailable') });
  calls[1]?.answer(ok);
  t.same(lines, [
    'exporting spans to http://collector:4317 failed: unavailable; spans are dropped until it works again',
    'exporting spans to http://collector:4317 works again (6 spans were dropped while it failed)',
  ]);
  t.same(owed(batches.drain()), ['6', '7', '8', '9', '10', '11'], 'bounded: the queue never held the dropped spans');
});

t.test('forceFlush sends everything queued and resolves when every export has reported back', async (t) => {
  const { exporter, calls } = heldExporter();
  const batches = new SpanBatches(exporter, new ExportFailures('spans', 'http://collector:4317'), BATCH);
  for (const name of ['a', 'b', 'c', 'd', 'e']) batches.add(span(name));
  let flushed = false;
  const flush = batches.forceFlush().then(() => (flushed = true));
  t.same(calls.map((c) => names(c.spans)), [['a', 'b', 'c'], ['d', 'e']]);
  calls[1]?.answer(ok);
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(flushed, false, 'one export has not reported back yet');
  calls[0]?.answer({ code: ExportResultCode.FAILED, error: new Error('unavailable') });
  await flush;
  t.same(batches.drain(), [], 'nothing is left to send twice at exit');
});

t.test('asynchronous resource attributes are awaited before an export, and their failure is an export failure', async (t) => {
  const lines = warnings(t);
  const { exporter, calls } = heldExporter();
  const batches = new SpanBatches(exporter, new ExportFailures('spans', 'http://collector:4317'), BATCH);
  let settle!: () => void;
  const detecting = { asyncAttributesPending: true, waitForAsyncAttributes: () => new Promise<void>((resolve) => (settle = resolve)) };
  for (const name of ['a', 'b', 'c']) batches.add(span(name, detecting));
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(calls.length, 0, 'not before the resource is known');
  t.same(owed(batches.drain()).slice(0, 1), ['a'], 'owed at exit meanwhile');
  settle();
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(calls.length, 1);

  const failing = { asyncAttributesPending: true, waitForAsyncAttributes: () => Promise.reject(new Error('detector broke')) };
  const other = new SpanBatches(exporter, new ExportFailures('spans', 'http://collector:4317'), BATCH);
  for (const name of ['d', 'e', 'f']) other.add(span(name, failing));
  await other.forceFlush();
  t.match(lines, [/failed: detector broke/]);
  t.equal(calls.length, 1, 'the exporter never saw them');
});

t.test('exports that never answer hold the next batches back only until OTEL_BSP_EXPORT_TIMEOUT; their spans stay owed', async (t) => {
  const { exporter, calls } = heldExporter();
  const batches = new SpanBatches(exporter, new ExportFailures('spans', 'http://collector:4317'), { ...BATCH, exportTimeoutMillis: 20 });
  for (const name of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']) batches.add(span(name));
  t.equal(calls.length, 2, 'the third full batch waits for one of the first two');
  await new Promise((resolve) => setTimeout(resolve, 40));
  batches.add(span('j'));
  t.same(calls.map((c) => names(c.spans)), [['a', 'b', 'c'], ['d', 'e', 'f'], ['g', 'h', 'i']], 'past the timeout, the next span sends the waiting batch');
  calls[2]?.answer(ok);
  t.same(owed(batches.drain()), ['a', 'b', 'c', 'd', 'e', 'f', 'j'], 'the batches that never answered are still owed at exit');
});
