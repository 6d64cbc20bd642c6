/**
 * Renders the spans of one trace as an indented tree, one line per span: what it
 * did, how long it took, and the few attributes that matter for its kind.
 */
import type { CollectedSpan } from '../receiver/index.js';
import { escapeControls, escapeDeep } from './escape.js';

export interface TreeOptions {
  colour?: boolean;
  /** Log lines written inside a span, shown under it (see LogsBySpan). */
  logsFor?: (spanId: string) => { msg: string; level?: number }[];
  /** Marks a trace shown before that late spans have joined. */
  updated?: boolean;
}

const paint = (on: boolean, code: string, text: string) => (on ? `\x1b[${code}m${text}\x1b[0m` : text);

function ms(span: CollectedSpan): string {
  return `${span.durationMs < 10 ? span.durationMs.toFixed(1) : Math.round(span.durationMs)} ms`;
}

function shorten(text: string, max = 60): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** The attributes worth a glance, by what kind of work the span is. */
/** Attribute values are strings or numbers in practice; anything else is shown as JSON. */
function text(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' ? String(value) : JSON.stringify(value);
}

export function describeSpan(span: CollectedSpan): string {
  const a = span.attributes;
  const parts: string[] = [];
  const statement = a['db.query.text'] ?? a['db.statement'];
  const dbSystem = a['db.system.name'] ?? a['db.system'];
  if (dbSystem !== undefined) parts.push(text(dbSystem));
  if (typeof statement === 'string') parts.push(shorten(statement));
  const destination = a['messaging.destination.name'] ?? a['messaging.destination'];
  if (destination !== undefined) parts.push(`${text(a['messaging.system'] ?? 'messaging')} ${text(a['messaging.operation.type'] ?? a['messaging.operation'] ?? span.kind)} ${text(destination)}`);
  if (span.kind === 'client' && a['url.full'] !== undefined) parts.push(text(a['url.full']));
  const status = a['http.response.status_code'];
  if (status !== undefined && span.kind !== 'server') parts.push(text(status));
  return parts.join(' ');
}

const STATEMENT_KEYS = ['db.query.text', 'db.statement'];

/**
 * A SQL statement's line breaks and indentation are layout, not content, and the tree shows
 * it on one line: runs of them become one space, not `\n`. Only spaces, tabs, CR and LF;
 * every other control character is escaped like anywhere else.
 */
function withFlatStatement(span: CollectedSpan): CollectedSpan {
  if (!STATEMENT_KEYS.some((key) => typeof span.attributes[key] === 'string')) return span;
  const attributes = { ...span.attributes };
  for (const key of STATEMENT_KEYS) {
    const value = attributes[key];
    if (typeof value === 'string') attributes[key] = value.replace(/[ \t\r\n]+/g, ' ');
  }
  return { ...span, attributes };
}

export function renderTrace(received: CollectedSpan[], options: TreeOptions = {}): string {
  // The printing boundary: everything below works on text a terminal can only show.
  // Escaping the whole span (names, attributes with their keys, status, events, resource)
  // and each log line here, once, means no field added to the tree later can forget it.
  const spans = received.map((span) => escapeDeep(withFlatStatement(span)) as CollectedSpan);
  const logsFor = (spanId: string) => (options.logsFor?.(spanId) ?? []).map((log) => ({ ...log, msg: escapeControls(log.msg) }));
  const colour = options.colour ?? false;
  const ids = new Set(spans.map((span) => span.spanId));
  const children = new Map<string, CollectedSpan[]>();
  const roots: CollectedSpan[] = [];
  for (const span of [...spans].sort((x, y) => (x.startTimeUnixNano < y.startTimeUnixNano ? -1 : 1))) {
    if (span.parentSpanId !== undefined && ids.has(span.parentSpanId)) {
      const list = children.get(span.parentSpanId) ?? [];
      list.push(span);
      children.set(span.parentSpanId, list);
    } else {
      roots.push(span);
    }
  }
  const lines: string[] = [];
  const line = (span: CollectedSpan, prefix: string, branch: string) => {
    const error = span.status.code === 'error';
    const name = paint(colour, error ? '1;31' : '1', span.name);
    const detail = describeSpan(span);
    const kind = span.kind === 'internal' || span.kind === 'unspecified' ? '' : ` (${span.kind})`;
    const flag = error ? paint(colour, '31', `  ERROR${span.status.message ? ` ${shorten(span.status.message, 50)}` : ''}`) : '';
    lines.push(`${prefix}${branch}${name}${kind}${detail ? `  ${paint(colour, '2', detail)}` : ''}  ${ms(span)}${flag}`);
  };
  const logs = (span: CollectedSpan, prefix: string) => {
    for (const log of logsFor(span.spanId)) {
      const level = log.level !== undefined && log.level >= 50 ? 'error' : log.level !== undefined && log.level >= 40 ? 'warn' : 'log';
      lines.push(`${prefix}${paint(colour, level === 'log' ? '36' : level === 'warn' ? '33' : '31', `· ${level}: ${shorten(log.msg, 80)}`)}`);
    }
  };
  const walk = (span: CollectedSpan, prefix: string, last: boolean) => {
    line(span, prefix, last ? '└─ ' : '├─ ');
    const kids = children.get(span.spanId) ?? [];
    logs(span, `${prefix}${last ? '   ' : '│  '}${kids.length > 0 ? '│ ' : '  '}`);
    kids.forEach((kid, i) => walk(kid, `${prefix}${last ? '   ' : '│  '}`, i === kids.length - 1));
  };
  for (const root of roots) {
    const status = root.attributes['http.response.status_code'];
    const service = root.resource['service.name'];
    const head = [paint(colour, root.status.code === 'error' ? '1;31' : '1', root.name), status, ms(root), service, paint(colour, '2', `trace ${root.traceId.slice(0, 8)}…`)]
      .filter((part) => part !== undefined)
      .map(text)
      .join('  ');
    lines.push(options.updated === true ? `${head}  ${paint(colour, '33', '(updated: late spans joined)')}` : head);
    const kids = children.get(root.spanId) ?? [];
    logs(root, kids.length > 0 ? '│ ' : '  ');
    kids.forEach((kid, i) => walk(kid, '', i === kids.length - 1));
  }
  return lines.join('\n');
}
