/**
 * Pino lines (JSON, one per line) read from a stream and kept by the span they
 * were written in, so the viewer can show each log line under its span.
 * Bounded: past `maxLines`, the oldest are forgotten.
 */
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

  /**
   * Reads `stream` line by line; resolves once it has ended and every line was handled.
   * Lines end at LF only (a CR before it is dropped): readline would also split at CR alone
   * and at U+2028/U+2029, which JSON writers such as pino leave raw inside strings, so one
   * record would arrive as broken pieces.
   */
  follow(stream: Readable, passThrough?: (line: string) => void): Promise<void> {
    const handle = (line: string) => {
      const text = line.endsWith('\r') ? line.slice(0, -1) : line;
      if (!this.addLine(text)) passThrough?.(text);
    };
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      lines.forEach(handle);
    });
    return new Promise((resolve, reject) => {
      stream.once('end', () => {
        if (rest !== '') handle(rest);
        resolve();
      });
      stream.once('error', reject);
    });
  }

  private forgetOldest(): void {
    const [oldest, list] = this.bySpan.entries().next().value as [string, LogLine[]];
    this.bySpan.delete(oldest);
    this.count -= list.length;
  }
}
