/**
 * Child process of exit-export.ts: reads one serialised OTLP trace request on
 * stdin and sends it as-is to the configured endpoint. Kept free of the SDK so it
 * starts quickly; its parent is waiting for it.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { gzipSync } from 'node:zlib';
import type { OtlpConfig } from '../../config/exporter.js';
import { EXIT_EXPORT_ENV } from './exit-export.js';

const TRACE_EXPORT_METHOD = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

function readStdin(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (chunk: Buffer) => chunks.push(chunk));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks)));
    process.stdin.on('error', reject);
  });
}

function sendOverHttp(otlp: OtlpConfig, body: Buffer): Promise<void> {
  const url = new URL(otlp.endpoint);
  const payload = otlp.compression === 'gzip' ? gzipSync(body) : body;
  const headers: Record<string, string> = {
    ...otlp.headers,
    'content-type': otlp.protocol === 'http/json' ? 'application/json' : 'application/x-protobuf',
    'content-length': String(payload.length),
    ...(otlp.compression === 'gzip' ? { 'content-encoding': 'gzip' } : {}),
  };
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers, timeout: otlp.timeoutMillis }, (res) => {
      res.resume();
      res.on('end', () => ((res.statusCode ?? 500) < 300 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(payload);
  });
}

function sendOverGrpc(otlp: OtlpConfig, body: Buffer): Promise<void> {
  const grpc = require('@grpc/grpc-js') as typeof import('@grpc/grpc-js');
  const url = new URL(otlp.endpoint);
  const credentials = url.protocol === 'https:' ? grpc.credentials.createSsl() : grpc.credentials.createInsecure();
  const client = new grpc.Client(url.host, credentials, otlp.compression === 'gzip' ? { 'grpc.default_compression_algorithm': 2 } : {});
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(otlp.headers)) metadata.set(key, value);
  const passThrough = (bytes: Buffer) => bytes;
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(TRACE_EXPORT_METHOD, passThrough, passThrough, body, metadata, { deadline: Date.now() + otlp.timeoutMillis }, (error) => {
      client.close();
      if (error) reject(error);
      else resolve();
    });
  });
}

async function main(): Promise<void> {
  const otlp = JSON.parse(process.env[EXIT_EXPORT_ENV] ?? '') as OtlpConfig;
  const body = await readStdin();
  await (otlp.protocol === 'grpc' ? sendOverGrpc(otlp, body) : sendOverHttp(otlp, body));
}

main().catch((error: unknown) => {
  process.stderr.write(`otel-preload: spans sent at exit were not accepted: ${(error as Error).message}\n`);
  process.exitCode = 1;
});
