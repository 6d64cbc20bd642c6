import type { Instrumentation } from '@opentelemetry/instrumentation';

/**
 * instrumentation-kafkajs, without what feeds only its metrics while metrics are off:
 * it listens to the REQUEST instrumentation event of every producer and consumer, so
 * that kafkajs builds an event for each protocol request (each produce, each fetch of
 * a consumer's poll loop) and the listener splits the broker's address and builds the
 * histogram's attributes, for a meter that records nothing. Replaces one method of
 * this one instrumentation object; the spans and the propagation are unchanged.
 */
interface KafkajsInstrumentation {
  _setKafkaEventListeners?: (client: unknown) => void;
}

export function tuneKafkajs(instrumentation: Instrumentation, options: { metrics: boolean }): void {
  const kafkajs = instrumentation as unknown as KafkajsInstrumentation;
  if (!options.metrics && typeof kafkajs._setKafkaEventListeners === 'function') kafkajs._setKafkaEventListeners = () => undefined;
}
