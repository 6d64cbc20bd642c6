import { context, diag, ROOT_CONTEXT } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode, suppressTracing } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { BatchConfig } from '../../config/batch.js';
import { EncodedBatch } from './encoded-batch.js';
import { type ExportFailures, exportReporting } from './export-failures.js';

/** What waits to be exported, a batch at a time: the spans, or their bytes (encoded-batch.ts). */
export type Batch = ReadableSpan[] | EncodedBatch;

/** How spans are kept in a batch: as they are, or as OTLP/protobuf bytes for the exporters that send those. */
export interface BatchFormat<B extends Batch> {
  create(): B;
  add(batch: B, span: ReadableSpan): void;
  resource(batch: B): ReadableSpan['resource'] | undefined;
}

export const SPANS: BatchFormat<ReadableSpan[]> = {
  create: () => [],
  add: (batch, span) => batch.push(span),
  resource: (batch) => batch[0]?.resource,
};

export const OTLP_PROTOBUF: BatchFormat<EncodedBatch> = {
  create: () => new EncodedBatch(),
  add: (batch, span) => batch.add(span),
  resource: (batch) => batch.resource,
};

/**
 * The batching between ended spans and one exporter, in place of the SDK's
 * BatchSpanProcessor (same settings, OTEL_BSP_*, same behaviour: a batch when
 * `maxExportBatchSize` spans wait or `scheduledDelayMillis` after the first, spans
 * past `maxQueueSize` dropped), with two differences. Spans wait in the form they
 * are sent in, for the OTLP/protobuf exporters their bytes (encoded-batch.ts: the
 * spans' objects die young). And two exports may be in flight,
 * where the SDK waits for each to report back before the next. With one, the
 * service's rate without loss is a batch per round trip to the backend; with two,
 * the next batch is written and sent while the backend takes the last (sustained
 * export without drops 78k -> 96k spans/s, the official's 66k; bench/PROFILING.md).
 * The OTLP exporters take concurrent exports (their own limit is 30); batches may
 * then arrive out of order, which no trace store minds. What it adds is the
 * bookkeeping the exit-time export needs, per batch instead of per span: a span is
 * unexported while it waits in the queue or while the batch that took it is in
 * flight, and `drain()` takes both. A span dropped from a full queue is counted
 * once, with the spans of failed exports, in the one loss count of ExportFailures.
 */
export class SpanBatches<B extends Batch = ReadableSpan[]> {
  /** Batches not yet sent, each at most `maxExportBatchSize` spans: the queue. */
  private queue: B[] = [];
  /** Spans in the queue. */
  private queued = 0;
  /** Batches handed to the exporter that have not reported back: still owed to the backend. */
  private readonly inFlight = new Set<B>();
  private readonly settledWaiters: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  /** When each export under way started (performance.now()), at most EXPORTS_IN_FLIGHT of them. */
  private exportsSince: number[] = [];
  private closed = false;

  constructor(
    private readonly exporter: BatchExporter<B>,
    private readonly failures: ExportFailures,
    private readonly batch: BatchConfig,
    private readonly format: BatchFormat<B> = SPANS as unknown as BatchFormat<B>,
  ) {}

  /** Per span: keep it short. */
  add(span: ReadableSpan): void {
    if (this.closed) return;
    if (this.queued >= this.batch.maxQueueSize) {
      this.failures.queueFull(1);
      return;
    }
    let last = this.queue[this.queue.length - 1];
    if (last === undefined || last.length >= this.batch.maxExportBatchSize) this.queue.push((last = this.format.create()));
    try {
      this.format.add(last, span);
    } catch (error) {
      // A value no OTLP message can hold (a span or event name that is not a string, a link without a span id: the api's types forbid them, its functions take them): this span is lost, not its batch.
      if (last.length === 0) this.queue.pop();
      this.failures.unwritable(1);
      diag.debug(`a span could not be written for export (${typeof span.name === 'string' ? `"${span.name}"` : `a name of type ${typeof span.name}`}):`, error instanceof Error ? error.message : String(error));
      return;
    }
    this.queued += 1;
    if (this.exportsSince.length >= EXPORTS_IN_FLIGHT && !this.exportTimedOut()) return;
    if (this.queued >= this.batch.maxExportBatchSize) this.exportNext();
    else this.timer ??= unref(setTimeout(() => this.exportNext(), this.batch.scheduledDelayMillis));
  }

  /** Takes every batch not yet known to be exported: whoever calls this is now responsible for sending them. */
  drain(): B[] {
    const batches = [...this.inFlight, ...this.queue];
    this.inFlight.clear();
    this.queue = [];
    this.queued = 0;
    return batches;
  }

  /** Done when every span ended so far has been exported or has failed: none is left in flight to be sent twice at exit. */
  async forceFlush(): Promise<void> {
    this.clearTimer();
    while (this.queue.length > 0) this.send(this.takeBatch());
    await this.allSettled();
    await this.exporter.forceFlush?.();
  }

  async shutdown(): Promise<void> {
    if (this.closed) return;
    await this.forceFlush();
    this.closed = true;
    await this.exporter.shutdown();
  }

  /** The timer's or a full batch's export: at most EXPORTS_IN_FLIGHT at a time, the next as soon as one reports back. */
  private exportNext(): void {
    this.clearTimer();
    if (this.queue.length === 0) return;
    const since = performance.now();
    this.exportsSince.push(since);
    this.send(this.takeBatch(), () => {
      const slot = this.exportsSince.indexOf(since);
      if (slot < 0) return; // timed out, and another went since
      this.exportsSince.splice(slot, 1);
      if (this.queued >= this.batch.maxExportBatchSize) this.exportNext();
      else if (this.queued > 0) this.timer ??= unref(setTimeout(() => this.exportNext(), this.batch.scheduledDelayMillis));
    });
  }

  /**
   * A backend that never answers must not stop the batches after it: past the export
   * timeout, the next batch goes when the next span asks; the late ones stay owed
   * (drain()) until its exporter gives up on it. Checked, not timed: a timer per export
   * would sit in the app's timer lists (visible to an app that prints its server).
   */
  private exportTimedOut(): boolean {
    const late = performance.now() - this.batch.exportTimeoutMillis;
    if (this.exportsSince[0] > late) return false; // the oldest first: per span, one comparison
    this.exportsSince = this.exportsSince.filter((since) => since > late);
    return true;
  }

  private takeBatch(): B {
    const batch = this.queue.shift() as B;
    this.queued -= batch.length;
    return batch;
  }

  private send(batch: B, done?: () => void): void {
    this.inFlight.add(batch);
    const settle = (_result: ExportResult) => {
      this.inFlight.delete(batch);
      if (this.inFlight.size === 0) for (const waiter of this.settledWaiters.splice(0)) waiter();
      done?.();
    };
    // The exporter's own HTTP or gRPC calls are not traced, and do not join the trace that ended last.
    context.with(suppressTracing(ROOT_CONTEXT), () => {
      const pending = pendingResource(this.format.resource(batch));
      if (pending === undefined) exportReporting(this.exporter, this.failures, batch, batch.length, settle);
      // Asynchronous resource detection (container and host ids) settles once, soon after start.
      else pending.then(
        () => exportReporting(this.exporter, this.failures, batch, batch.length, settle),
        (error: unknown) => exportReporting(failingExporter(error), this.failures, batch, batch.length, settle),
      );
    });
  }

  private allSettled(): Promise<void> {
    if (this.inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  private clearTimer(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

const EXPORTS_IN_FLIGHT = 2;

function unref(timer: NodeJS.Timeout): NodeJS.Timeout {
  timer.unref();
  return timer;
}

interface DetectingResource {
  asyncAttributesPending?: boolean;
  waitForAsyncAttributes?: () => Promise<void>;
}

function pendingResource(resource: DetectingResource | undefined): Promise<void> | undefined {
  return resource?.asyncAttributesPending === true ? resource.waitForAsyncAttributes?.() : undefined;
}

/** An exporter of batches of one format: a SpanExporter for spans as they are. */
export interface BatchExporter<B extends Batch> extends Omit<SpanExporter, 'export'> {
  export(batch: B, done: (result: ExportResult) => void): void;
}

function failingExporter(error: unknown): Pick<BatchExporter<Batch>, 'export'> {
  return { export: (_spans, done) => done({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) }) };
}
