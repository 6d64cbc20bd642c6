import { diag } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { redactUrl } from '../diag.js';

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
  /** Lost since the last line that gave a count: in failed exports, dropped from a full queue, and unwritable. */
  private dropped = 0;
  /** Of those, dropped from a full queue, and made by the app with values no message can hold: said with the count when exports work. */
  private queueFullCount = 0;
  private unwritableCount = 0;
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
  queueFull(count: number): void {
    this.dropped += count;
    this.queueFullCount += count;
  }

  /**
   * Items the app made with values no OTLP message can hold (a span name or event name
   * that is not a string, a link without a span id: the api's types forbid them, its
   * functions take them), each lost alone. Counted in the same number, and named as
   * their own reason when that number is said.
   */
  unwritable(count: number): void {
    this.dropped += count;
    this.unwritableCount += count;
  }

  /** Why items were dropped while exports worked: each reason with its share when there are two. */
  private reasons(): string {
    const full = `the export queue was full (OTEL_BSP_MAX_QUEUE_SIZE), the backend at ${this.endpoint} takes them slower than the service makes them`;
    const unwritable = `the app gave them values no OTLP message can hold (a name or event name that is not a string, a link without a span id; OTEL_LOG_LEVEL=debug says which)`;
    if (this.unwritableCount === 0) return full;
    if (this.queueFullCount === 0) return unwritable;
    return `${this.queueFullCount} as ${full}; ${this.unwritableCount} as ${unwritable}`;
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
      } else if (this.dropped > 0 && this.now() - this.lastQueueReport >= QUEUE_REPORT_MILLIS) {
        diag.warn(`${this.dropped} ${this.what} were dropped: ${this.reasons()}`);
        this.lastQueueReport = this.now();
      } else if (this.dropped > 0) {
        return; // counted on, for the next line
      }
      this.failingSince = undefined;
      this.dropped = 0;
      this.queueFullCount = 0;
      this.unwritableCount = 0;
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
