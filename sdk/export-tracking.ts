import { diag } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { Context } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/sdk-trace';

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

/** Sits in front of the batch processor: records each ended span, then hands it on. */
export class TrackingProcessor implements SpanProcessor {
  constructor(
    private readonly inner: SpanProcessor,
    private readonly unexported: UnexportedSpans,
    /** The batch processor's exporter: its flush waits for exports already in flight, the processor's does not. */
    private readonly exporter: SpanExporter,
  ) {}

  onStart(span: Span, parentContext: Context): void {
    this.inner.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & SAMPLED) !== 0) this.unexported.add(span);
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

/**
 * Wraps the real exporter: settles the tracked spans, and says once when exports
 * start failing and once when they work again, instead of once per batch.
 */
export class ReportingExporter implements SpanExporter {
  private failing = false;
  private dropped = 0;
  /** Successes so far: an export that fails after a success arrived since it started is old news. */
  private successes = 0;

  constructor(
    private readonly inner: SpanExporter,
    private readonly unexported: UnexportedSpans,
    private readonly endpoint: string,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    const successesAtStart = this.successes;
    const done = (result: ExportResult) => {
      this.unexported.settle(spans);
      this.noteResult(result, spans.length, successesAtStart);
      resultCallback(result);
    };
    try {
      this.inner.export(spans, done);
    } catch (error) {
      done({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }

  private noteResult(result: ExportResult, count: number, successesAtStart: number): void {
    if (result.code === ExportResultCode.SUCCESS) {
      this.successes += 1;
      if (this.failing) diag.warn(`exporting spans to ${this.endpoint} works again (${this.dropped} spans were dropped while it failed)`);
      this.failing = false;
      this.dropped = 0;
      return;
    }
    if (this.successes > successesAtStart) return; // sent while the backend was still down; it is up now
    this.dropped += count;
    if (!this.failing) diag.warn(`exporting spans to ${this.endpoint} failed: ${result.error?.message ?? 'unknown error'}; spans are dropped until it works again`);
    this.failing = true;
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}
