import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { Config } from '../config/index.js';
import type { OtlpConfig } from '../config/exporter.js';

/** OTLP headers as gRPC metadata, for the gRPC trace and log exporters. */
export function grpcMetadata(headers: Record<string, string>): import('@grpc/grpc-js').Metadata {
  const { Metadata } = require('@grpc/grpc-js') as typeof import('@grpc/grpc-js');
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(headers)) metadata.set(key, value);
  return metadata;
}

/** The OTLP trace exporter for the configured protocol; only that protocol's package is loaded. */
export function createOtlpSpanExporter(otlp: OtlpConfig): SpanExporter {
  const common = { url: otlp.endpoint, timeoutMillis: otlp.timeoutMillis };
  const compression = otlp.compression as never; // the packages' CompressionAlgorithm enum has exactly these two string values
  switch (otlp.protocol) {
    case 'grpc': {
      const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc') as typeof import('@opentelemetry/exporter-trace-otlp-grpc');
      return new OTLPTraceExporter({ ...common, compression, metadata: grpcMetadata(otlp.headers) });
    }
    case 'http/protobuf': {
      const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto') as typeof import('@opentelemetry/exporter-trace-otlp-proto');
      return new OTLPTraceExporter({ ...common, compression, headers: otlp.headers });
    }
    case 'http/json': {
      const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
      return new OTLPTraceExporter({ ...common, compression, headers: otlp.headers });
    }
  }
}

export function createConsoleSpanExporter(): SpanExporter {
  const { ConsoleSpanExporter } = require('@opentelemetry/sdk-trace') as typeof import('@opentelemetry/sdk-trace');
  return new ConsoleSpanExporter();
}

export function createSpanExporters(config: Config): SpanExporter[] {
  return config.traces.exporters.map((name) => (name === 'otlp' ? createOtlpSpanExporter(config.traces.otlp) : createConsoleSpanExporter()));
}
