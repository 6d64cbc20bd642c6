/**
 * Pino lines (JSON, one per line) read from a stream and kept by the span they
 * were written in, so the viewer can show each log line under its span.
 * Bounded: past `maxLines`, the oldest are forgotten.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

export interface LogLine {
  spanId: string;
  traceId: string;
  level?: number;
  msg: string;
}

export class LogsBySpan {
  private readonly bySpan = new Map<string, LogLine[]>();
  private count = 0;

  constructor(
    private readonly keys = { traceId: 'trace_id', spanId: 'span_id' },
    private readonly maxLines = 10_000,
  ) {}

  /** Keeps the line if it is a JSON record with a span id; returns whether it did. */
  addLine(text: string): boolean {
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch {
      return false;
    }
    if (typeof record !== 'object' || record === null) return false;
    const fields = record as Record<string, unknown>;
    const spanId = fields[this.keys.spanId];
    const traceId = fields[this.keys.traceId];
    if (typeof spanId !== 'string' || typeof traceId !== 'string') return false;
    const line: LogLine = { spanId, traceId, msg: typeof fields['msg'] === 'string' ? fields['msg'] : JSON.stringify(fields['msg'] ?? '') };
    if (typeof fields['level'] === 'number') line.level = fields['level'];
    const list = this.bySpan.get(spanId) ?? [];
    list.push(line);
    this.bySpan.set(spanId, list);
    if (++this.count > this.maxLines) this.forgetOldest();
    return true;
  }

  forSpan(spanId: string): LogLine[] {
    return this.bySpan.get(spanId) ?? [];
  }

  follow(stream: Readable, passThrough?: (line: string) => void): void {
    const lines = createInterface({ input: stream });
    lines.on('line', (line) => {
      if (!this.addLine(line)) passThrough?.(line);
    });
  }

  private forgetOldest(): void {
    const [oldest, list] = this.bySpan.entries().next().value as [string, LogLine[]];
    this.bySpan.delete(oldest);
    this.count -= list.length;
  }
}
