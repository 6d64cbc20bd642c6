/**
 * Groups spans into traces and hands a trace on once it has been quiet for a
 * moment, so that spans from several processes (an API and its Kafka worker)
 * arrive as one tree. A span arriving for a trace already shown is merged and the
 * trace is shown again, marked as updated, never as a second trace.
 * Memory is bounded: past `maxTraces`, the oldest traces are forgotten.
 */
import type { CollectedSpan } from '../receiver/index.js';

export interface AssembledTrace {
  traceId: string;
  spans: CollectedSpan[];
  /** True when this trace was shown before and late spans have joined it. */
  updated: boolean;
}

export interface AssemblerOptions {
  quietMillis?: number;
  maxTraces?: number;
  maxSpansPerTrace?: number;
  onTrace: (trace: AssembledTrace) => void;
}

interface Pending {
  spans: CollectedSpan[];
  shown: boolean;
  timer?: NodeJS.Timeout;
}

export class TraceAssembler {
  private readonly traces = new Map<string, Pending>();
  private readonly quietMillis: number;
  private readonly maxTraces: number;
  private readonly maxSpansPerTrace: number;

  constructor(private readonly options: AssemblerOptions) {
    this.quietMillis = options.quietMillis ?? 1500;
    this.maxTraces = options.maxTraces ?? 1000;
    this.maxSpansPerTrace = options.maxSpansPerTrace ?? 2000;
  }

  get size(): number {
    return this.traces.size;
  }

  add(spans: CollectedSpan[]): void {
    for (const span of spans) {
      let pending = this.traces.get(span.traceId);
      if (pending === undefined) {
        pending = { spans: [], shown: false };
        this.traces.set(span.traceId, pending);
        this.evict();
      }
      if (pending.spans.length < this.maxSpansPerTrace) pending.spans.push(span);
      this.schedule(span.traceId, pending);
    }
  }

  /** Shows every trace still waiting, now (on exit). */
  flush(): void {
    for (const [traceId, pending] of this.traces) {
      if (pending.timer !== undefined) this.show(traceId, pending);
    }
  }

  private schedule(traceId: string, pending: Pending): void {
    if (pending.timer !== undefined) clearTimeout(pending.timer);
    pending.timer = setTimeout(() => this.show(traceId, pending), this.quietMillis);
    pending.timer.unref();
  }

  private show(traceId: string, pending: Pending): void {
    if (pending.timer !== undefined) clearTimeout(pending.timer);
    pending.timer = undefined;
    this.options.onTrace({ traceId, spans: [...pending.spans], updated: pending.shown });
    pending.shown = true;
  }

  /** Oldest first: a Map iterates in insertion order. */
  private evict(): void {
    while (this.traces.size > this.maxTraces) {
      const [oldest, pending] = this.traces.entries().next().value as [string, Pending];
      if (pending.timer !== undefined) clearTimeout(pending.timer);
      this.traces.delete(oldest);
    }
  }
}
