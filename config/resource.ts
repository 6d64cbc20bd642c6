import type { AppPackage } from './app-package.js';
import { type EnvReader, parseKeyValueList, quoteAll } from './env.js';

// Attribute names spelled out rather than imported: config/ is loaded before we know
// whether the SDK is disabled, and then it must load no OpenTelemetry package at all.
const ATTR_SERVICE_NAME = 'service.name';
const ATTR_SERVICE_VERSION = 'service.version';
const ATTR_SERVICE_INSTANCE_ID = 'service.instance.id';
const ATTR_DEPLOYMENT_ENVIRONMENT_NAME = 'deployment.environment.name';

export const DETECTORS = ['host', 'os', 'process', 'container', 'env', 'serviceinstance', 'alibaba', 'aws', 'azure', 'gcp'] as const;
export type DetectorName = (typeof DETECTORS)[number];

/** The cloud detectors query metadata endpoints over the network, so they are opt-in. */
const DEFAULT_DETECTORS: DetectorName[] = ['host', 'os', 'process', 'container'];

export interface ResourceConfig {
  /** Attributes we set ourselves; they win over what detectors find. */
  attributes: Record<string, string>;
  detectors: DetectorName[];
}

/** Facts about the process that are not in the environment variables we read. */
export interface ResourceFacts {
  appPackage?: AppPackage;
  /** True when running in a container (Kubernetes, Docker, Podman). */
  inContainer: boolean;
  /** Used for service.instance.id outside a container. */
  randomId: string;
}

/**
 * service.name: OTEL_SERVICE_NAME > service.name in OTEL_RESOURCE_ATTRIBUTES >
 * the app's package.json name > unknown_service:node.
 * Every other attribute: OTEL_RESOURCE_ATTRIBUTES > what we derive (package.json
 * version, HOSTNAME in a container — the pod name in Kubernetes — or a random id,
 * NODE_ENV) > what the detectors find.
 */
export function resourceFromEnv(reader: EnvReader, facts: ResourceFacts): ResourceConfig {
  const { pairs, malformed } = parseKeyValueList(reader.string('OTEL_RESOURCE_ATTRIBUTES'));
  if (malformed.length > 0) {
    reader.warn(`OTEL_RESOURCE_ATTRIBUTES has malformed entries ${quoteAll(malformed)} (expected key=value); the other attributes apply`);
  }
  const hostname = reader.string('HOSTNAME');
  const derived: Record<string, string | undefined> = {
    [ATTR_SERVICE_NAME]: facts.appPackage?.name ?? 'unknown_service:node',
    [ATTR_SERVICE_VERSION]: facts.appPackage?.version,
    [ATTR_SERVICE_INSTANCE_ID]: facts.inContainer && hostname !== undefined ? hostname : facts.randomId,
    [ATTR_DEPLOYMENT_ENVIRONMENT_NAME]: reader.string('NODE_ENV'),
  };
  const attributes: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...derived, ...pairs })) {
    if (value !== undefined) attributes[key] = value;
  }
  const serviceName = reader.string('OTEL_SERVICE_NAME');
  if (serviceName !== undefined) attributes[ATTR_SERVICE_NAME] = serviceName;
  return { attributes, detectors: detectorsFromEnv(reader) };
}

function detectorsFromEnv(reader: EnvReader): DetectorName[] {
  const listed = reader.list('OTEL_NODE_RESOURCE_DETECTORS');
  if (listed === undefined) return DEFAULT_DETECTORS;
  if (listed.includes('none')) return [];
  if (listed.includes('all')) return [...DETECTORS];
  const known = listed.filter((name): name is DetectorName => (DETECTORS as readonly string[]).includes(name));
  const unknown = listed.filter((name) => !(DETECTORS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    reader.warn(`OTEL_NODE_RESOURCE_DETECTORS has unknown detector ${quoteAll(unknown)} (known: ${DETECTORS.join(', ')}, all, none); using ${known.join(',') || 'none'}`);
  }
  return known;
}
