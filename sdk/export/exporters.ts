import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { OtlpConfig, Signal } from '../../config/exporter.js';

/** OTLP headers as gRPC metadata. */
function grpcMetadata(headers: Record<string, string>): import('@grpc/grpc-js').Metadata {
  const { Metadata } = require('@grpc/grpc-js') as typeof import('@grpc/grpc-js');
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(headers)) metadata.set(key, value);
  return metadata;
}

// The official exporter packages follow one naming scheme: @opentelemetry/exporter-<signal>-otlp-<transport>.
// (Traces: sdk/export/trace-exporters.ts, bundled.)
const SIGNAL_PACKAGE = { logs: ['logs', 'OTLPLogExporter'], metrics: ['metrics', 'OTLPMetricExporter'] } as const;
const TRANSPORT_PACKAGE = { grpc: 'grpc', 'http/protobuf': 'proto', 'http/json': 'http' } as const;

/**
 * The OTLP exporter of one signal for the configured protocol: only that one package
 * is loaded. (The packages' CompressionAlgorithm enum has exactly our two string values.)
 */
export function createOtlpExporter<Exporter>(signal: Signal, otlp: OtlpConfig): Exporter {
  const ExporterClass = signal === 'traces' ? (traceExporters().traceExporterClass(otlp.protocol) as new (config: object) => Exporter) : exporterClassByPackage<Exporter>(signal, otlp);
  const common = { url: otlp.endpoint, timeoutMillis: otlp.timeoutMillis, compression: otlp.compression };
  return new ExporterClass(otlp.protocol === 'grpc' ? { ...common, metadata: grpcMetadata(otlp.headers) } : { ...common, headers: otlp.headers });
}

/** A file of its own, bundled apart from the SDK, and loaded only here. */
const traceExporters = () => require('./trace-exporters.js') as typeof import('./trace-exporters.js');

function exporterClassByPackage<Exporter>(signal: Exclude<Signal, 'traces'>, otlp: OtlpConfig): new (config: object) => Exporter {
  const [name, className] = SIGNAL_PACKAGE[signal];
  return (require(`@opentelemetry/exporter-${name}-otlp-${TRANSPORT_PACKAGE[otlp.protocol]}`) as Record<string, new (config: object) => Exporter>)[className];
}

/** When the exporter's packages are loaded if no export asked for them earlier. */
const EXPORTER_LOAD_DELAY_MS = 2000;

/**
 * The OTLP span exporter, loaded off the start-up path: its packages (grpc-js and the
 * OTLP serialisers, bundled in sdk/export/trace-exporters.js) are tens of ms of start-up
 * (bench/PROFILING.md). They load two seconds after start, while a service is usually
 * still connecting to its dependencies, so that the first export does not stall the
 * requests of the moment; or at the first export if that comes sooner. A process
 * that is gone by then never loads them.
 */
export function createLazyOtlpSpanExporter(otlp: OtlpConfig): SpanExporter {
  let loaded: SpanExporter | undefined;
  const exporter = () => (loaded ??= createOtlpExporter<SpanExporter>('traces', otlp));
  setTimeout(() => {
    try {
      exporter();
    } catch {
      // The first export tries again and reports the error.
    }
  }, EXPORTER_LOAD_DELAY_MS).unref();
  return {
    export: (spans, done) => exporter().export(spans, done),
    forceFlush: () => loaded?.forceFlush?.() ?? Promise.resolve(),
    shutdown: () => loaded?.shutdown() ?? Promise.resolve(),
  };
}

export function createConsoleSpanExporter(): SpanExporter {
  const { ConsoleSpanExporter } = require('@opentelemetry/sdk-trace') as typeof import('@opentelemetry/sdk-trace');
  return new ConsoleSpanExporter();
}
