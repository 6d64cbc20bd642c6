import { type Context, TraceFlags } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { RedactionConfig } from '../../config/redaction.js';
import { addMessagingExceptionEvent } from './exception-events.js';
import { anchorToParent } from './one-clock.js';
import { Redaction } from './redaction.js';

/** Where ended spans go: one per exporter (sdk/export/span-batches.ts). */
export interface SpanSink {
  add(span: ReadableSpan): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * The one span processor: every span passes through here once as it starts and once
 * as it ends, in this order, and nowhere else (one processor, not a chain of four:
 * the SDK calls each processor of a chain for every span).
 * - start: dated from its local parent's clock (one-clock.ts);
 * - end: secrets and SQL literals removed (redaction.ts), then the exception event
 *   messaging instrumentations leave out (exception-events.ts), then, if sampled,
 *   handed to each exporter's batches.
 */
export class SpanPipeline implements SpanProcessor {
  private readonly redaction: Redaction;

  constructor(
    redaction: RedactionConfig,
    private readonly sinks: readonly SpanSink[],
  ) {
    this.redaction = new Redaction(redaction);
  }

  onStart(span: Span, parentContext: Context): void {
    anchorToParent(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    this.redaction.apply(span);
    addMessagingExceptionEvent(span);
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    for (const sink of this.sinks) sink.add(span);
  }

  /**
   * Every span holds its processor: a debug line that prints spans (the OTLP exporter's
   * "items to be sent") would print this pipeline's configuration and every span queued
   * behind it with each one.
   */
  toJSON(): string {
    return 'SpanPipeline';
  }

  forceFlush(): Promise<void> {
    return Promise.all(this.sinks.map((sink) => sink.forceFlush())).then(() => undefined);
  }

  shutdown(): Promise<void> {
    return Promise.all(this.sinks.map((sink) => sink.shutdown())).then(() => undefined);
  }
}
