import { existsSync } from 'node:fs';
import type { Resource, ResourceDetector } from '@opentelemetry/resources';
import type { Env } from '../config/index.js';
import type { DetectorName, ResourceConfig } from '../config/resource.js';

/** Kubernetes sets the first; Docker and Podman leave the marker files. */
export function runsInContainer(env: Env): boolean {
  return env['KUBERNETES_SERVICE_HOST'] !== undefined || exists('/.dockerenv') || exists('/run/.containerenv');
}

/** Whether Node's permission model (`--permission`), if on, lets this process read the file. */
function mayRead(path: string): boolean {
  return process.permission === undefined || process.permission.has('fs.read', path);
}

/** `existsSync`, except that Node's permission model (`--permission`) throws for a path it does not allow reading: not there, as far as we may know. */
function exists(path: string): boolean {
  try {
    return existsSync(path);
  } catch {
    return false;
  }
}

/**
 * The process detector's command arguments are left out: they include every flag
 * the process was started with, and people pass passwords that way.
 */
function withoutCommandArgs(detector: ResourceDetector): ResourceDetector {
  return {
    detect(config) {
      const detected = detector.detect(config);
      const { 'process.command_args': _dropped, ...attributes } = detected.attributes ?? {};
      return { attributes };
    },
  };
}

/**
 * Without a machine id (minimal and slim container images have no /etc/machine-id),
 * the host detector's `host.id` resolves to nothing and the SDK warns about it at
 * every start: leave the attribute out instead.
 */
function withoutMissingHostId(detector: ResourceDetector): ResourceDetector {
  const hasMachineId = process.platform !== 'linux' || exists('/etc/machine-id') || exists('/var/lib/dbus/machine-id');
  if (hasMachineId) return detector;
  return {
    detect(config) {
      const { 'host.id': _missing, ...attributes } = detector.detect(config).attributes ?? {};
      return { attributes };
    },
  };
}

/**
 * A copy of the resource without the attributes still being detected, for an exit
 * that cannot wait for them (reading them early is an SDK error, and unsettled
 * values would be dropped anyway).
 */
export function settledResource(resource: Resource): Resource {
  if (resource.asyncAttributesPending !== true) return resource;
  const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const isPending = (value: unknown) => typeof (value as { then?: unknown } | null)?.then === 'function';
  // Raw attributes are in precedence order, the first of a key wins (as the SDK reads them).
  const settled: Record<string, import('@opentelemetry/api').AttributeValue> = {};
  for (const [key, value] of resource.getRawAttributes()) {
    if (key in settled || value === undefined || value === null || isPending(value)) continue;
    settled[key] = value;
  }
  return resourceFromAttributes(settled);
}

/** Each detector's package is loaded only when that detector is asked for. */
function detectorsFor(name: DetectorName): ResourceDetector[] {
  const resources = () => require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  switch (name) {
    case 'host':
      return [withoutMissingHostId(resources().hostDetector)];
    case 'os':
      return [resources().osDetector];
    case 'process':
      return [withoutCommandArgs(resources().processDetector)];
    case 'container':
      // Under Node's permission model, cgroup files it may not read make the detector's id resolve to nothing, which the SDK warns about.
      if (!mayRead('/proc/self/cgroup') || !mayRead('/proc/self/mountinfo')) return [];
      return [(require('@opentelemetry/resource-detector-container') as typeof import('@opentelemetry/resource-detector-container')).containerDetector];
    case 'env':
    case 'serviceinstance':
      // Already applied by config/resource.ts, with our precedence and warnings.
      return [];
    case 'alibaba':
      return [(require('@opentelemetry/resource-detector-alibaba-cloud') as typeof import('@opentelemetry/resource-detector-alibaba-cloud')).alibabaCloudEcsDetector];
    case 'aws': {
      const aws = require('@opentelemetry/resource-detector-aws') as typeof import('@opentelemetry/resource-detector-aws');
      return [aws.awsEc2Detector, aws.awsEcsDetector, aws.awsEksDetector, aws.awsBeanstalkDetector, aws.awsLambdaDetector];
    }
    case 'azure': {
      const azure = require('@opentelemetry/resource-detector-azure') as typeof import('@opentelemetry/resource-detector-azure');
      return [azure.azureAppServiceDetector, azure.azureFunctionsDetector, azure.azureVmDetector];
    }
    case 'gcp':
      return [(require('@opentelemetry/resource-detector-gcp') as typeof import('@opentelemetry/resource-detector-gcp')).gcpDetector];
  }
}

/** Detected attributes first, ours merged over them so that explicit configuration wins. */
export function createResource(config: ResourceConfig): Resource {
  const { defaultResource, detectResources, resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const detected = detectResources({ detectors: config.detectors.flatMap(detectorsFor) });
  return defaultResource().merge(detected).merge(resourceFromAttributes(config.attributes));
}
