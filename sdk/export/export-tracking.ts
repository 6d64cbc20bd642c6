import { diag } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { Context } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/sdk-trace';
import { redactUrl } from '../diag.js';

const SAMPLED = 1;

/**
 * Remembers every sampled span from the moment it ends until its export reports
 * back, so that an exit nobody can wait for (`process.exit()`, an uncaught
 * exception) can still send what the batch processor had not sent yet.
 * It never holds more than the batch queue does, so memory stays bounded; past
 * that, the oldest go: spans the batch processor dropped when its queue was full
 * are never settled, and must not keep the newest from being remembered.
 */
export class UnexportedSpans {
  private readonly spans = new Set<ReadableSpan>();

  constructor(private readonly limit: number) {}

  add(span: ReadableSpan): void {
    if (this.spans.size >= this.limit) this.spans.delete(this.spans.values().next().value as ReadableSpan);
    this.spans.add(span);
  }

  settle(spans: readonly ReadableSpan[]): void {
    for (const span of spans) this.spans.delete(span);
  }

  /** Takes them all: whoever calls this is now responsible for sending them. */
  drain(): ReadableSpan[] {
    const all = [...this.spans];
    this.spans.clear();
    return all;
  }
}

/** What the batch processor keeps of its queue (its own fields, in the SDK copy bundled with us). */
interface BatchQueue {
  _finishedSpans?: unknown[];
  _maxQueueSize?: number;
}

/**
 * Sits in front of the batch processor: records each ended span, then hands it on.
 * A span the batch processor will drop because its queue is full is counted as lost
 * (ExportFailures), and not remembered for the exit-time export.
 */
export class TrackingProcessor implements SpanProcessor {
  constructor(
    private readonly inner: SpanProcessor,
    private readonly unexported: UnexportedSpans,
    /** The batch processor's exporter: its flush waits for exports already in flight, the processor's does not. */
    private readonly exporter: ReportingExporter,
  ) {}

  onStart(span: Span, parentContext: Context): void {
    this.inner.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & SAMPLED) !== 0) {
      const { _finishedSpans: queued, _maxQueueSize: limit } = this.inner as BatchQueue;
      if (queued !== undefined && limit !== undefined && queued.length >= limit) this.exporter.failures.lost(1);
      else this.unexported.add(span);
    }
    this.inner.onEnd(span);
  }

  /** Done when every span ended so far has been exported or has failed: none is left in flight to be sent twice at exit. */
  forceFlush(): Promise<void> {
    return this.inner.forceFlush().then(() => this.exporter.forceFlush?.());
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

/** What an export saw when it started: pass it back to ExportFailures.settled(). */
export interface ExportStart {
  /** Its place in the order exports started. */
  readonly number: number;
  /** Successes that had arrived by then. */
  readonly successes: number;
}

/**
 * Says once when exports of one signal start failing and once when they work again,
 * instead of once per batch (the SDK's own per-batch error goes to debug, sdk/diag.ts).
 * Exports overlap, so an answer can be older news than the last one: a failure of an
 * export that started before a success arrived says nothing about now, and neither
 * does a success of an export that started before the one whose failure began the
 * outage (it was sent while the backend was still up, seen with a receiver that
 * finished the calls in flight as it closed).
 */
export class ExportFailures {
  /** The start number of the export whose failure began the outage; undefined while exports work. */
  private failingSince: number | undefined;
  /** Lost since the last line that gave a count: in failed exports, and dropped from a full queue. */
  private dropped = 0;
  /** Whether some of those were dropped from a full queue (said so when exports work). */
  private queueFull = false;
  private lastQueueReport = -Infinity;
  private successes = 0;
  private exportsStarted = 0;
  /** Where to, as we print it: credentials in the URL redacted. */
  private readonly endpoint: string;

  constructor(
    /** What is exported, plural: "spans", "metrics", "log records". */
    private readonly what: string,
    endpoint: string,
    private readonly now: () => number = Date.now,
  ) {
    this.endpoint = redactUrl(endpoint);
  }

  /**
   * Items dropped before any export, the queue being full. Counted with those of
   * failed exports, in one number: said when exports work again after a failure, or,
   * when no export failed (the backend is only slower than the load), at the next
   * successful export, at most once a minute.
   */
  lost(count: number): void {
    this.dropped += count;
    this.queueFull = true;
  }

  /** When an export starts; pass the result to settled(). */
  started(): ExportStart {
    return { number: this.exportsStarted++, successes: this.successes };
  }

  /** `count`: items in the export, for the drop count; undefined where a count means little (metrics). */
  settled(result: ExportResult, count: number | undefined, start: ExportStart): void {
    if (result.code === ExportResultCode.SUCCESS) {
      if (this.failingSince !== undefined && start.number < this.failingSince) return; // sent before the outage began
      this.successes += 1;
      if (this.failingSince !== undefined) {
        const dropped = count === undefined ? '' : ` (${this.dropped} ${this.what} were dropped while it failed)`;
        diag.warn(`exporting ${this.what} to ${this.endpoint} works again${dropped}`);
      } else if (this.queueFull && this.now() - this.lastQueueReport >= QUEUE_REPORT_MILLIS) {
        diag.warn(`${this.dropped} ${this.what} were dropped: the export queue was full (OTEL_BSP_MAX_QUEUE_SIZE), the backend at ${this.endpoint} takes them slower than the service makes them`);
        this.lastQueueReport = this.now();
      } else if (this.queueFull) {
        return; // counted on, for the next line
      }
      this.failingSince = undefined;
      this.dropped = 0;
      this.queueFull = false;
      return;
    }
    if (this.successes > start.successes) return; // sent while the backend was still down; it is up now
    this.dropped += count ?? 0;
    if (this.failingSince === undefined) {
      diag.warn(`exporting ${this.what} to ${this.endpoint} failed: ${result.error?.message ?? 'unknown error'}; ${this.what} are dropped until it works again`);
      this.failingSince = start.number;
    }
  }
}

/** Drops from a full queue while exports work are said at most this often, with their count since the last line. */
const QUEUE_REPORT_MILLIS = 60_000;

interface Exporter<Items> {
  export(items: Items, resultCallback: (result: ExportResult) => void): void;
}

/** Calls the exporter, reporting its failures; an exception thrown by it counts as one. */
export function exportReporting<Items>(inner: Exporter<Items>, failures: ExportFailures, items: Items, count: number | undefined, resultCallback: (result: ExportResult) => void): void {
  const start = failures.started();
  const done = (result: ExportResult) => {
    failures.settled(result, count, start);
    resultCallback(result);
  };
  try {
    inner.export(items, done);
  } catch (error) {
    done({ code: ExportResultCode.FAILED, error: error as Error });
  }
}

/** Wraps the real span exporter: settles the tracked spans and reports failures. */
export class ReportingExporter implements SpanExporter {
  readonly failures: ExportFailures;

  constructor(
    private readonly inner: SpanExporter,
    private readonly unexported: UnexportedSpans,
    endpoint: string,
  ) {
    this.failures = new ExportFailures('spans', endpoint);
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    exportReporting(this.inner, this.failures, spans, spans.length, (result) => {
      this.unexported.settle(spans);
      resultCallback(result);
    });
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}
