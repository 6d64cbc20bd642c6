import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';

/**
 * Attributes some instrumentations record that can carry business data or
 * personal data: a Kafka message key is often a customer, order or account id.
 * They never leave the process.
 */
export const NEVER_RECORDED = ['messaging.kafka.message.key', 'messaging.kafka.message_key'] as const;

/**
 * Runs first among the span processors: by the time the batch processor holds the
 * span, the attributes above are gone. The SDK exposes no API to remove an
 * attribute, so they are deleted from the span's own attribute record, which the
 * SDK keeps mutable until export.
 */
export class RedactingProcessor implements SpanProcessor {
  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    const attributes = span.attributes as Record<string, unknown>;
    for (const key of NEVER_RECORDED) if (key in attributes) delete attributes[key];
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
