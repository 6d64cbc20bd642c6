import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { OtlpConfig } from '../../config/exporter.js';
import { SDK_DIR } from '../guard.js';
import { settledResource } from '../resource.js';

/** How the child learns where to send: one variable, read only by exit-export-child.js. */
export const EXIT_EXPORT_ENV = 'OTEL_PRELOAD_EXIT_EXPORT';

/**
 * Sends spans while the process is exiting, when no asynchronous work can run any
 * more (`process.exit()`, an uncaught exception, an app's own SIGTERM handler that
 * exits): the spans are serialised here and a short-lived child process — the same
 * Node binary, without our preload — sends them, while this process waits for it,
 * at most `timeoutMillis`.
 */
export function exportBeforeExit(spans: ReadableSpan[], otlp: OtlpConfig, timeoutMillis: number): void {
  if (spans.length === 0 || timeoutMillis <= 0) return;
  const { JsonTraceSerializer, serializeTraceRequest } = require('./trace-exporters.js') as typeof import('./trace-exporters.js');
  // An exit right after start can come before async resource detection (container id,
  // host id) has settled: send what is known, not an SDK error.
  const ready = spans.map((span) => {
    const resource = settledResource(span.resource);
    return resource === span.resource ? span : (Object.create(span, { resource: { value: resource } }) as ReadableSpan);
  });
  const body = otlp.protocol === 'http/json' ? JsonTraceSerializer.serializeRequest(ready) : serializeTraceRequest(ready);
  if (body === undefined) return;
  spawnSync(process.execPath, [join(SDK_DIR, 'export', 'exit-export-child.js')], {
    input: body,
    timeout: timeoutMillis,
    killSignal: 'SIGKILL',
    stdio: ['pipe', 'ignore', 'inherit'],
    env: { ...process.env, NODE_OPTIONS: '', OTEL_SDK_DISABLED: 'true', [EXIT_EXPORT_ENV]: JSON.stringify(otlp) },
    windowsHide: true,
  });
}
