import { Buffer } from 'node:buffer';
import { randomFillSync } from 'node:crypto';
import type { IdGenerator } from '@opentelemetry/sdk-trace';

/** Hex characters drawn at once: 512 span ids or 256 trace ids per refill. */
const POOL_BYTES = 4096;
const ALL_ZERO_SPAN_ID = '0'.repeat(16);
const ALL_ZERO_TRACE_ID = '0'.repeat(32);

/**
 * Trace and span ids cut from one hex string of random bytes, refilled every few
 * hundred spans. The SDK's generator writes Math.random() into a buffer and converts
 * it to hex for every id, a call into Node's native code each time: 5.6 % of a span's
 * CPU flat out (bench/PROFILING.md). An id of zeros is invalid, so it is drawn again,
 * as the SDK avoids it.
 */
export class PooledIdGenerator implements IdGenerator {
  #pool = '';
  #at = 0;

  generateTraceId(): string {
    const id = this.#take(32);
    return id === ALL_ZERO_TRACE_ID ? this.generateTraceId() : id;
  }

  generateSpanId(): string {
    const id = this.#take(16);
    return id === ALL_ZERO_SPAN_ID ? this.generateSpanId() : id;
  }

  #take(length: number): string {
    if (this.#at + length > this.#pool.length) {
      this.#pool = randomFillSync(Buffer.allocUnsafe(POOL_BYTES)).toString('hex');
      this.#at = 0;
    }
    const id = this.#pool.slice(this.#at, this.#at + length);
    this.#at += length;
    return id;
  }
}
