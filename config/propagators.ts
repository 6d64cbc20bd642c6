import { type EnvReader, quoteAll } from './env.js';

export const PROPAGATORS = ['tracecontext', 'baggage', 'b3', 'b3multi'] as const;
export type PropagatorName = (typeof PROPAGATORS)[number];

const DEFAULT_PROPAGATORS: PropagatorName[] = ['tracecontext', 'baggage'];

/** `OTEL_PROPAGATORS`: a list; `none` turns propagation off; unknown names are dropped with a warning. */
export function propagatorsFromEnv(reader: EnvReader): PropagatorName[] {
  const listed = reader.list('OTEL_PROPAGATORS');
  if (listed === undefined) return DEFAULT_PROPAGATORS;
  if (listed.includes('none')) return [];
  const known = listed.filter((name): name is PropagatorName => (PROPAGATORS as readonly string[]).includes(name));
  const unknown = listed.filter((name) => !(PROPAGATORS as readonly string[]).includes(name));
  if (unknown.length === 0) return known;
  const used = known.length > 0 ? known : DEFAULT_PROPAGATORS;
  reader.warn(`OTEL_PROPAGATORS has unknown propagator ${quoteAll(unknown)} (known: ${PROPAGATORS.join(', ')}, none); using ${used.join(',')}`);
  return used;
}
