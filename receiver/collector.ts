// Where decoded requests land, whichever transport brought them, and how callers
// wait for them. Transports hand over decoded messages rather than plain objects so
// that discard mode can count spans without building objects it would throw away.
import { countSpans, logsFromRequest, metricsFromRequest, spansFromRequest } from './decode.js';
import type { PbLogsRequest, PbMetricsRequest, PbTraceRequest } from './otlp-proto.js';
import type { CollectedLog, CollectedMetric, CollectedSpan, ReceiverCounts, ReceiverOptions } from './types.js';

export type Transport = 'grpc' | 'http';

const DEFAULT_WAIT_MS = 15_000;
/** How many span names a timeout message lists before summarising the rest. */
const NAMES_IN_MESSAGE = 50;

interface Waiter {
  check(): void;
  fail(error: Error): void;
}

export class Collector {
  readonly spans: CollectedSpan[] = [];
  readonly logs: CollectedLog[] = [];
  readonly metrics: CollectedMetric[] = [];
  readonly counts: ReceiverCounts = { spans: 0, logs: 0, requests: 0, grpcRequests: 0, httpRequests: 0, rejected: 0 };
  private readonly waiters = new Set<Waiter>();
  /** The latest rejection, so a timed-out wait can say why nothing arrived. */
  private lastRejection: string | undefined;

  constructor(private readonly options: Pick<ReceiverOptions, 'discard' | 'onSpans'> = {}) {}

  acceptTraces(request: PbTraceRequest, transport: Transport): void {
    this.countRequest(transport);
    const { discard, onSpans } = this.options;
    if (discard && !onSpans) {
      this.counts.spans += countSpans(request);
      return;
    }
    const spans = spansFromRequest(request);
    this.counts.spans += spans.length;
    if (!discard) this.spans.push(...spans);
    // Waiters first: a throwing onSpans must not leave them unnotified.
    this.notify();
    onSpans?.(spans);
  }

  acceptLogs(request: PbLogsRequest, transport: Transport): void {
    this.countRequest(transport);
    const logs = logsFromRequest(request);
    this.counts.logs += logs.length;
    if (!this.options.discard) this.logs.push(...logs);
  }

  acceptMetrics(request: PbMetricsRequest, transport: Transport): void {
    this.countRequest(transport);
    if (!this.options.discard) this.metrics.push(...metricsFromRequest(request));
  }

  /** A transport answered a request with an error. */
  reject(transport: Transport, reason: string): void {
    this.counts.rejected += 1;
    this.lastRejection = `${transport}: ${reason}`;
  }

  waitForSpans(predicate: (spans: CollectedSpan[]) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<CollectedSpan[]> {
    return new Promise((resolve, reject) => {
      const settle = () => {
        this.waiters.delete(waiter);
        clearTimeout(timer);
      };
      const waiter: Waiter = {
        check: () => {
          let done: boolean;
          try {
            done = predicate(this.spans);
          } catch (error) {
            settle();
            reject(error instanceof Error ? error : new Error(String(error)));
            return;
          }
          if (!done) return;
          settle();
          // A snapshot: spans arriving later must not change what the caller asserts on.
          resolve([...this.spans]);
        },
        fail: (error) => {
          settle();
          reject(error);
        },
      };
      const timer = setTimeout(() => waiter.fail(new Error(this.timeoutMessage(timeoutMs))), timeoutMs);
      this.waiters.add(waiter);
      waiter.check();
    });
  }

  reset(): void {
    this.spans.length = 0;
    this.logs.length = 0;
    this.metrics.length = 0;
    for (const key of Object.keys(this.counts) as (keyof ReceiverCounts)[]) this.counts[key] = 0;
    this.lastRejection = undefined;
  }

  /** Rejects every pending wait: once the servers are gone nothing more can arrive. */
  close(): void {
    for (const waiter of [...this.waiters]) waiter.fail(new Error('waitForSpans: the receiver was closed'));
  }

  private countRequest(transport: Transport): void {
    this.counts.requests += 1;
    if (transport === 'grpc') this.counts.grpcRequests += 1;
    else this.counts.httpRequests += 1;
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter.check();
  }

  private timeoutMessage(timeoutMs: number): string {
    const { spans, requests, rejected } = this.counts;
    const names = this.spans.slice(0, NAMES_IN_MESSAGE).map((span) => `${span.name} (${span.kind})`);
    const more = this.spans.length > NAMES_IN_MESSAGE ? `, … and ${this.spans.length - NAMES_IN_MESSAGE} more` : '';
    const lines = [
      `waitForSpans: condition not met within ${timeoutMs} ms; ${spans} span(s) received in ${requests} request(s): ${names.length > 0 ? names.join(', ') + more : 'none'}`,
    ];
    if (this.options.discard) lines.push('(discard mode: spans are counted, not kept)');
    if (rejected > 0) lines.push(`${rejected} request(s) rejected, last: ${this.lastRejection ?? '?'}`);
    return lines.join('\n');
  }
}
