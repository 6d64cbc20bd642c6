import { Buffer } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { diag } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { OtlpConfig, OtlpProtocol } from '../../config/exporter.js';
import { SDK_DIR } from '../guard.js';
import { settledResource } from '../resource.js';
import { serializeTraceRequest } from './otlp-protobuf.js';
import type { Batch } from './span-batches.js';

/** How the child learns where to send: one variable, read only by exit-export-child.js. */
export const EXIT_EXPORT_ENV = 'OTEL_PRELOAD_EXIT_EXPORT';

/**
 * Sends spans while the process is exiting, when no asynchronous work can run any
 * more (`process.exit()`, an uncaught exception, an app's own SIGTERM handler that
 * exits): the spans are serialised here and a short-lived child process — the same
 * Node binary, without our preload — sends them, while this process waits for it,
 * at most `timeoutMillis`.
 */
export function exportBeforeExit(batches: Batch[], otlp: OtlpConfig, timeoutMillis: number): void {
  if (batches.length === 0) return;
  const lost = (why: string) => diag.warn(`${batches.reduce((spans, batch) => spans + batch.length, 0)} spans were not sent at exit: ${why}`);
  if (timeoutMillis <= 0) return lost('the shutdown bound had passed (OTEL_PRELOAD_SHUTDOWN_TIMEOUT_MS)');
  // Node's permission model without --allow-child-process: spawnSync would throw. Lost, and said so.
  if (process.permission?.has('child') === false) return lost('the child process that sends them is not allowed (node --permission without --allow-child-process)');
  const body = exitRequestBody(batches, otlp.protocol);
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

/**
 * One request with every batch. Batches kept as OTLP/protobuf bytes are written as
 * they are: requests put one after the other are one request with all their spans
 * (protobuf merges repeated fields). An exit right after start can come before async
 * resource detection (container id, host id) has settled: send what is known, not an
 * SDK error. Only JSON needs the exporters' bundle, which an exit within two seconds
 * of start would otherwise load for nothing.
 */
export function exitRequestBody(batches: Batch[], protocol: OtlpProtocol): Uint8Array | undefined {
  const spans = batches.flatMap((batch) => (Array.isArray(batch) ? batch.map(withSettledResource) : []));
  if (protocol === 'http/json') return (require('./trace-exporters.js') as typeof import('./trace-exporters.js')).JsonTraceSerializer.serializeRequest(spans);
  const requests = batches.flatMap((batch) => (Array.isArray(batch) ? [] : [batch.request(settledResource)]));
  if (spans.length > 0) requests.push(serializeTraceRequest(spans));
  return Buffer.concat(requests);
}

function withSettledResource(span: ReadableSpan): ReadableSpan {
  const resource = settledResource(span.resource);
  return resource === span.resource ? span : (Object.create(span, { resource: { value: resource } }) as ReadableSpan);
}
