import { type EnvReader, quote } from './env.js';

export const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type SamplerName = (typeof SAMPLERS)[number];

export interface SamplerConfig {
  name: SamplerName;
  /** Only meaningful for the ratio samplers. */
  ratio: number;
}

const DEFAULT_SAMPLER: SamplerName = 'parentbased_always_on';

/**
 * `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG`. The remote samplers of the
 * specification (jaeger_remote, xray) need a control plane we do not ship, so they
 * are refused with a warning rather than half-supported.
 */
export function samplerFromEnv(reader: EnvReader): SamplerConfig {
  const name = reader.choice('OTEL_TRACES_SAMPLER', SAMPLERS, DEFAULT_SAMPLER);
  const arg = reader.string('OTEL_TRACES_SAMPLER_ARG');
  const usesRatio = name === 'traceidratio' || name === 'parentbased_traceidratio';
  if (arg !== undefined && !usesRatio) {
    reader.warn(`OTEL_TRACES_SAMPLER_ARG=${quote(arg)} is ignored by the ${name} sampler`);
  }
  const ratio = usesRatio && arg !== undefined ? reader.checkNumber('OTEL_TRACES_SAMPLER_ARG', arg, 1, { min: 0, max: 1 }) : 1;
  return { name, ratio };
}
