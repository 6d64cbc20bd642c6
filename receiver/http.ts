// OTLP/HTTP: POST /v1/traces, /v1/logs and /v1/metrics, binary protobuf or OTLP/JSON, optionally
// gzip-encoded, answered with an empty Export*ServiceResponse in the request's own
// content type (which is what the OTLP/HTTP spec asks for).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { Collector } from './collector.js';
import { decodeLogsRequest, decodeMetricsRequest, decodeTraceRequest, type Encoding } from './decode.js';
import { emptyLogsResponse, emptyMetricsResponse, emptyTraceResponse } from './otlp-proto.js';
import { errorMessage, hostForUrl, type RunningServer } from './util.js';

const gunzipAsync = promisify(gunzip);

/** Generous for benchmarks, but a bound: a runaway client must not exhaust the test process. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const SHUTDOWN_GRACE_MS = 2_000;

interface Route {
  response: Uint8Array;
  accept(body: Buffer, encoding: Encoding): void;
}

const MEDIA_TYPES: Record<string, Encoding> = {
  'application/x-protobuf': 'protobuf',
  'application/protobuf': 'protobuf',
  'application/json': 'json',
};

/** An error the client caused, with the status that says so. */
class ClientError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startHttpServer(collector: Collector, host: string, port: number): Promise<RunningServer> {
  const routes: Record<string, Route> = {
    '/v1/traces': { response: emptyTraceResponse, accept: (body, encoding) => collector.acceptTraces(decoded(() => decodeTraceRequest(body, encoding)), 'http') },
    '/v1/logs': { response: emptyLogsResponse, accept: (body, encoding) => collector.acceptLogs(decoded(() => decodeLogsRequest(body, encoding)), 'http') },
    '/v1/metrics': { response: emptyMetricsResponse, accept: (body, encoding) => collector.acceptMetrics(decoded(() => decodeMetricsRequest(body, encoding)), 'http') },
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const status = error instanceof ClientError ? error.status : 500;
      const message = errorMessage(error);
      if (status < 500) collector.reject('http', `${status} ${message}`);
      if (response.headersSent) response.destroy();
      else response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(message);
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://receiver').pathname;
    const route = routes[path];
    if (!route) throw new ClientError(404, `no OTLP endpoint at ${path}; use /v1/traces, /v1/logs or /v1/metrics`);
    if (request.method !== 'POST') {
      response.setHeader('allow', 'POST');
      throw new ClientError(405, `${request.method ?? '?'} ${path}: OTLP/HTTP takes POST`);
    }
    const mediaType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const encoding = MEDIA_TYPES[mediaType];
    if (!encoding) throw new ClientError(415, `unsupported content-type ${JSON.stringify(mediaType)}; use application/x-protobuf or application/json`);
    const body = await decompress(await readBody(request), request.headers['content-encoding']);
    route.accept(body, encoding);
    if (encoding === 'json') response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    else response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(route.response);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address !== null ? address.port : port;
  return {
    url: `http://${hostForUrl(host)}:${boundPort}`,
    close: () =>
      new Promise<void>((resolve) => {
        // close() stops accepting and drops idle keep-alive sockets (exporters keep
        // them open); busy ones get a grace period, then are cut.
        const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

/** Runs a decoder, blaming the client (400) if it throws; a throwing onSpans stays a 500. */
function decoded<T>(decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    throw new ClientError(400, `undecodable body: ${errorMessage(error)}`);
  }
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit, keep reading but drop the data, so the 413 can still be sent.
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else chunks.length = 0;
    });
    request.on('end', () => (size > MAX_BODY_BYTES ? reject(new ClientError(413, `body larger than ${MAX_BODY_BYTES} bytes`)) : resolve(Buffer.concat(chunks))));
    request.on('error', reject);
  });
}

async function decompress(body: Buffer, contentEncoding: string | undefined): Promise<Buffer> {
  const coding = (contentEncoding ?? 'identity').trim().toLowerCase();
  if (coding === 'identity' || coding === '') return body;
  if (coding !== 'gzip') throw new ClientError(415, `unsupported content-encoding ${JSON.stringify(coding)}; use gzip or none`);
  try {
    return await gunzipAsync(body, { maxOutputLength: MAX_BODY_BYTES });
  } catch (error) {
    throw new ClientError(400, `bad gzip body: ${errorMessage(error)}`);
  }
}
