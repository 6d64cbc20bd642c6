import { SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';

/**
 * The kafkajs instrumentation marks a failed send or message handler with an error
 * status and `error.type`, but records no `exception` event, which is where Tempo and
 * Grafana look for the error. Add the event from what the span does carry.
 */
export function addMessagingExceptionEvent(span: ReadableSpan): void {
  if (span.status.code !== SpanStatusCode.ERROR || span.attributes['messaging.system'] === undefined) return;
  if (span.events.some((event) => event.name === 'exception')) return;
  const attributes: TimedEvent['attributes'] = { 'exception.message': span.status.message ?? '' };
  const type = span.attributes['error.type'];
  if (typeof type === 'string') attributes['exception.type'] = type;
  span.events.push({ name: 'exception', time: span.endTime, attributes, droppedAttributesCount: 0 });
}
