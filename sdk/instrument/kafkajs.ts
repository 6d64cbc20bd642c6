import type { Instrumentation } from '@opentelemetry/instrumentation';

/**
 * instrumentation-kafkajs, tuned where it costs or changes something for nothing:
 * - with metrics off, without what feeds only its metrics: it listens to the REQUEST
 *   instrumentation event of every producer and consumer, so that kafkajs builds an
 *   event for each protocol request (each produce, each fetch of a consumer's poll
 *   loop) and the listener splits the broker's address and builds the histogram's
 *   attributes, for a meter that records nothing;
 * - a message the app froze: the instrumentation assigns `headers` on the app's
 *   message object to carry `traceparent`, which throws there and failed the app's
 *   `send` ("Cannot add property headers, object is not extensible", "Cannot assign
 *   to read only property 'headers'"); and headers the app froze made the propagator
 *   warn on every send. Such a message gets its span from a copy (and a copy of its
 *   headers) and is sent as the app gave it, without the trace context it cannot
 *   hold. (A frozen message with headers that are not frozen takes the context in
 *   them, as any message with headers does.)
 * Replaces methods of this one instrumentation object; nothing else changes.
 */
interface KafkajsInstrumentation {
  _setKafkaEventListeners?: (client: unknown) => void;
  _startProducerSpan?: (this: KafkajsInstrumentation, topic: unknown, message: unknown, ...rest: unknown[]) => unknown;
}

export function tuneKafkajs(instrumentation: Instrumentation, options: { metrics: boolean }): void {
  const kafkajs = instrumentation as unknown as KafkajsInstrumentation;
  if (!options.metrics && typeof kafkajs._setKafkaEventListeners === 'function') kafkajs._setKafkaEventListeners = () => undefined;
  const startProducerSpan = kafkajs._startProducerSpan;
  if (typeof startProducerSpan !== 'function') return;
  kafkajs._startProducerSpan = function (this: KafkajsInstrumentation, topic, message, ...rest) {
    return startProducerSpan.call(this, topic, typeof message === 'object' && message !== null && !canTakeContext(message) ? withOwnHeaders(message) : message, ...rest);
  };
}

/** Whether `message.headers = …` works (a writable `headers` of its own, or room for one), and the headers can take a `traceparent`. */
function canTakeContext(message: { headers?: unknown }): boolean {
  const own = Object.getOwnPropertyDescriptor(message, 'headers');
  if (own === undefined ? !Object.isExtensible(message) : own.writable !== true && own.set === undefined) return false;
  const { headers } = message;
  return typeof headers !== 'object' || headers === null || Object.isExtensible(headers);
}

/** A copy of the message with a copy of its headers, for the span alone: the app's message is sent as it gave it. */
function withOwnHeaders(message: { headers?: unknown }): object {
  const { headers } = message;
  return { ...message, headers: typeof headers === 'object' && headers !== null ? { ...headers } : undefined };
}
