import { createRequire } from 'node:module';
import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import type { Config } from '../config/index.js';
import type { LogLevel } from '../config/diagnostics.js';
import { writeOurLine } from './guard.js';

const PREFIX = 'otel-preload:';

const LEVELS: Record<LogLevel, DiagLogLevel> = {
  none: DiagLogLevel.NONE,
  error: DiagLogLevel.ERROR,
  warn: DiagLogLevel.WARN,
  info: DiagLogLevel.INFO,
  debug: DiagLogLevel.DEBUG,
  verbose: DiagLogLevel.VERBOSE,
  all: DiagLogLevel.ALL,
};

/** The same message is printed at most once per this period; the next one says how many were held back. */
const REPEAT_WINDOW_MILLIS = 60_000;

/**
 * Everything we and the SDK say goes to stderr with one prefix, never stdout: the
 * app's stdout often carries its JSON logs. Repeats are folded so that a dead
 * backend produces one line a minute, not one per batch.
 */
class StderrLogger implements DiagLogger {
  private readonly lastSeen = new Map<string, { at: number; held: number }>();

  constructor(
    /** Whether debug lines are printed: the SDK's export chatter is shown only then. */
    private readonly debugging: boolean,
    private readonly now: () => number = Date.now,
  ) {}

  error = (message: string, ...args: unknown[]) => this.write('error', message, args);
  warn = (message: string, ...args: unknown[]) => (isExportChatter(message) ? this.chatter(message, args) : this.write('warn', message, args));
  info = (message: string, ...args: unknown[]) => (isExportChatter(message) ? this.chatter(message, args) : this.write('info', message, args));
  debug = (message: string, ...args: unknown[]) => this.write('debug', message, args);
  verbose = (message: string, ...args: unknown[]) => this.write('verbose', message, args);

  private chatter(message: string, args: unknown[]): void {
    if (this.debugging) this.write('debug', message, args);
  }

  private write(level: string, message: string, args: unknown[]): void {
    try {
      const text = [message, ...args.map(describe)].join(' ');
      // Digits masked: "Dropped 512 spans" and "Dropped 513 spans" are the same news.
      const key = `${level}:${text.slice(0, 120).replace(/\d+/g, '#')}`;
      const seen = this.lastSeen.get(key);
      const at = this.now();
      if (seen !== undefined && at - seen.at < REPEAT_WINDOW_MILLIS) {
        seen.held += 1;
        return;
      }
      if (this.lastSeen.size > 200) this.lastSeen.clear();
      const held = seen !== undefined && seen.held > 0 ? ` (repeated ${seen.held} more times in the last minute)` : '';
      this.lastSeen.set(key, { at, held: 0 });
      writeOurLine(`${PREFIX} ${level === 'info' ? '' : `${level}: `}${text}${held}\n`);
    } catch {
      // Diagnostics must never be the reason the app fails (e.g. stderr closed).
    }
  }
}

/**
 * The SDK's own notes on exports, printed at warn and info: its batch processor's
 * "Dropped N spans because maxQueueSize reached" (per burst, and not the spans lost
 * to failed exports) and the OTLP exporters' retry notes ("Export retry time 1075ms
 * exceeds remaining timeout -10ms…"). What was lost is counted once, in our own lines
 * (sdk/export/export-failures.ts); these go to debug.
 */
const EXPORT_CHATTER = /^(Dropped \d+ spans because maxQueueSize reached|Export retry time |Export failed after maximum retry attempts|Export failed with non-retryable error|Scheduling export retry|Export succeeded after)/;

function isExportChatter(message: unknown): boolean {
  return typeof message === 'string' && EXPORT_CHATTER.test(message);
}

function describe(arg: unknown): string {
  if (arg instanceof Error) return arg.message;
  if (typeof arg === 'string') return arg;
  try {
    return JSON.stringify(arg) ?? String(arg);
  } catch {
    return String(arg);
  }
}

/** Routes our and the SDK's diagnostics to stderr at the configured level; returns the logger to use. */
export function setUpDiagnostics(level: LogLevel): DiagLogger {
  diag.setLogger(new StderrLogger(LEVELS[level] >= DiagLogLevel.DEBUG), { logLevel: LEVELS[level], suppressOverrideMessage: true });
  return diag;
}

/** Values that may hold a secret are replaced by this in anything we print. */
export const REDACTED = 'REDACTED';

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username === '' && parsed.password === '') return url;
    parsed.username = REDACTED;
    parsed.password = parsed.password === '' ? '' : REDACTED;
    return parsed.toString();
  } catch {
    return url;
  }
}

/**
 * The one start-up line: what a user needs to know that we work and where spans go,
 * with header values and URL credentials redacted (a Grafana Cloud token lives in
 * OTEL_EXPORTER_OTLP_HEADERS).
 */
export function startupLine(config: Config, version: string): string {
  const { traces, resource, instrumentations, sampler } = config;
  const exporters = traces.exporters.map((name) =>
    name === 'otlp' ? `otlp ${traces.otlp.protocol} ${redactUrl(traces.otlp.endpoint)}` : name,
  );
  const headerNames = Object.keys(traces.otlp.headers);
  const parts = [
    `v${version} tracing service "${resource.attributes['service.name'] ?? ''}"`,
    `exporting to ${exporters.join(' + ') || 'nowhere (OTEL_TRACES_EXPORTER=none)'}`,
    ...(headerNames.length > 0 ? [`headers ${headerNames.map((name) => `${name}=${REDACTED}`).join(',')}`] : []),
    `instrumentations ${instrumentations.auto ? 'auto' : instrumentations.enabled.join(',') || 'none'}`,
    `sampler ${sampler.name}${sampler.name.endsWith('traceidratio') ? `(${sampler.ratio})` : ''}`,
  ];
  if (config.logs.exporters.length > 0) parts.push(`logs to ${config.logs.exporters.join(',')}`);
  const { metrics } = config;
  if (metrics.exporters.length > 0) {
    const where = metrics.exporters.map((name) =>
      name === 'prometheus' ? `prometheus http://${metrics.prometheus.host}:${metrics.prometheus.port}/metrics` : name === 'otlp' ? `otlp ${metrics.otlp?.protocol ?? ''} ${redactUrl(metrics.otlp?.endpoint ?? '')}` : name,
    );
    parts.push(`metrics to ${where.join(' + ')} every ${metrics.intervalMillis} ms`);
  }
  return parts.join('; ');
}

/**
 * The SDK's own error reports go to debug: export failures are reported once, by
 * ExportFailures (sdk/export/export-failures.ts), where the SDK would repeat them on every attempt.
 */
export function reportSdkError(error: unknown): void {
  diag.debug('SDK error:', error);
}

/**
 * The same for a package loaded from node_modules with its own copy of
 * @opentelemetry/core (sdk-metrics, sdk-logs: the bundled SDK's copy is not theirs).
 */
export function reportSdkErrorsOf(packageName: string): void {
  try {
    const core = createRequire(require.resolve(packageName))('@opentelemetry/core') as typeof import('@opentelemetry/core');
    core.setGlobalErrorHandler(reportSdkError);
  } catch {
    // Then its errors print through core's default handler: noisier, not broken.
  }
}
