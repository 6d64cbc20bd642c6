// OTLP/gRPC: the TraceService, LogsService and MetricsService Export methods on a grpc-js server.
// The services are declared by hand (method path + byte-level (de)serialisers)
// instead of loading .proto service definitions: grpc-js only needs the path, and
// decoding inside the handler lets a malformed body be answered with
// INVALID_ARGUMENT, as the OTLP spec asks, rather than grpc-js's generic INTERNAL.
// grpc-js decompresses gzip messages (grpc-encoding: gzip) before we see them.
import * as grpc from '@grpc/grpc-js';
import type { Collector } from './collector.js';
import { decodeLogsRequest, decodeMetricsRequest, decodeTraceRequest } from './decode.js';
import { emptyLogsResponse, emptyMetricsResponse, emptyTraceResponse } from './otlp-proto.js';
import { errorMessage, hostForUrl, type RunningServer } from './util.js';

/** Large batches are legitimate here (benchmarks); grpc-js's default is 4 MiB. */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** How long close() lets in-flight exports finish before cutting connections. */
const SHUTDOWN_GRACE_MS = 2_000;

export async function startGrpcServer(collector: Collector, host: string, port: number): Promise<RunningServer> {
  const server = new grpc.Server({ 'grpc.max_receive_message_length': MAX_MESSAGE_BYTES });
  addExportService(server, collector, {
    path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
    response: emptyTraceResponse,
    decode: (body) => decodeTraceRequest(body, 'protobuf'),
    accept: (request) => collector.acceptTraces(request, 'grpc'),
  });
  addExportService(server, collector, {
    path: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
    response: emptyLogsResponse,
    decode: (body) => decodeLogsRequest(body, 'protobuf'),
    accept: (request) => collector.acceptLogs(request, 'grpc'),
  });
  addExportService(server, collector, {
    path: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
    response: emptyMetricsResponse,
    decode: (body) => decodeMetricsRequest(body, 'protobuf'),
    accept: (request) => collector.acceptMetrics(request, 'grpc'),
  });
  const address = hostForUrl(host);
  const boundPort = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${address}:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return { url: `http://${address}:${boundPort}`, close: () => shutdown(server) };
}

interface ExportService<Request> {
  /** The full method path, /<package>.<Service>/<Method>. */
  path: string;
  response: Uint8Array;
  decode: (body: Buffer) => Request;
  accept: (request: Request) => void;
}

function addExportService<Request>(server: grpc.Server, collector: Collector, { path, response, decode, accept }: ExportService<Request>): void {
  const raw = (bytes: Buffer) => bytes;
  const method: grpc.MethodDefinition<Buffer, Uint8Array> = {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: raw,
    requestDeserialize: raw,
    responseSerialize: (bytes) => Buffer.from(bytes),
    responseDeserialize: raw,
  };
  const handler: grpc.handleUnaryCall<Buffer, Uint8Array> = (call, callback) => {
    let request: Request;
    try {
      request = decode(call.request);
    } catch (error) {
      const details = `undecodable ${path} request: ${errorMessage(error)}`;
      collector.reject('grpc', details);
      callback({ code: grpc.status.INVALID_ARGUMENT, details });
      return;
    }
    try {
      accept(request);
    } catch (error) {
      // Only a throwing onSpans callback gets here: the caller's bug, not the client's.
      callback({ code: grpc.status.INTERNAL, details: errorMessage(error) });
      return;
    }
    callback(null, response);
  };
  server.addService({ Export: method }, { Export: handler });
}

/** Graceful first (lets exporters finish their call), forced if that takes too long. */
function shutdown(server: grpc.Server): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, SHUTDOWN_GRACE_MS);
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}
