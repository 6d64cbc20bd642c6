import type { EnvReader } from './env.js';

/** The span batches' settings (sdk/export/span-batches.ts), named as the specification's batch span processor's (OTEL_BSP_*), with its defaults. */
export interface BatchConfig {
  scheduledDelayMillis: number;
  exportTimeoutMillis: number;
  /** Spans past this many waiting are dropped (and counted): memory stays bounded when the backend is down. */
  maxQueueSize: number;
  maxExportBatchSize: number;
}

export function batchFromEnv(reader: EnvReader): BatchConfig {
  const whole = { integer: true, min: 1 };
  const maxQueueSize = reader.number('OTEL_BSP_MAX_QUEUE_SIZE', 2048, { ...whole, max: 1_000_000 });
  let maxExportBatchSize = reader.number('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512, { ...whole, max: 1_000_000 });
  if (maxExportBatchSize > maxQueueSize) {
    reader.warn(`OTEL_BSP_MAX_EXPORT_BATCH_SIZE=${maxExportBatchSize} is above OTEL_BSP_MAX_QUEUE_SIZE=${maxQueueSize}; using ${maxQueueSize}`);
    maxExportBatchSize = maxQueueSize;
  }
  return {
    scheduledDelayMillis: reader.number('OTEL_BSP_SCHEDULE_DELAY', 5000, { integer: true, min: 0, max: 3_600_000 }),
    exportTimeoutMillis: reader.number('OTEL_BSP_EXPORT_TIMEOUT', 30_000, { ...whole, max: 3_600_000 }),
    maxQueueSize,
    maxExportBatchSize,
  };
}
