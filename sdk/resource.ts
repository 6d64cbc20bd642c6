import { existsSync } from 'node:fs';
import type { Resource, ResourceDetector } from '@opentelemetry/resources';
import type { Env } from '../config/index.js';
import type { DetectorName, ResourceConfig } from '../config/resource.js';

/** Kubernetes sets the first; Docker and Podman leave the marker files. */
export function runsInContainer(env: Env): boolean {
  return env['KUBERNETES_SERVICE_HOST'] !== undefined || existsSync('/.dockerenv') || existsSync('/run/.containerenv');
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

/** Each detector's package is loaded only when that detector is asked for. */
function detectorsFor(name: DetectorName): ResourceDetector[] {
  const resources = () => require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  switch (name) {
    case 'host':
      return [resources().hostDetector];
    case 'os':
      return [resources().osDetector];
    case 'process':
      return [withoutCommandArgs(resources().processDetector)];
    case 'container':
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
