/**
 * The preload: `node --import otel-preload/register app.js` (or `--require`).
 * Reads like a table of contents; the work is in config/ and sdk/. Nothing here
 * may throw into the app: on any failure the app runs untraced, with one message.
 */
import { isMainThread } from 'node:worker_threads';
import { randomUUID } from 'node:crypto';
import { findAppPackage } from './config/app-package.js';
import { configFromEnv, isDisabled } from './config/index.js';
import { diag } from '@opentelemetry/api';
import { reportEarly, setUpDiagnostics, startupLine } from './sdk/diag.js';
import { registerEsmHook } from './sdk/hooks.js';
import { patchedModuleNames } from './sdk/instrumentations.js';
import { runsInContainer, } from './sdk/resource.js';
import { installShutdown } from './sdk/shutdown.js';
import { startSdk } from './sdk/start.js';
import { isPackageManager, markStarted, VERSION } from './sdk/guard.js';

function main(): void {
  // Workers share the main thread's SDK through nothing: a second SDK there would double every span.
  if (!isMainThread || isDisabled(process.env) || isPackageManager(process.argv[1]) || !markStarted()) return;

  const { config, warnings } = configFromEnv(process.env, {
    appPackage: findAppPackage(process.argv[1], process.cwd()),
    inContainer: runsInContainer(process.env),
    randomId: randomUUID(),
  });
  setUpDiagnostics(config.logLevel);
  for (const warning of warnings) diag.warn(warning);

  const started = startSdk(config);
  registerEsmHook(patchedModuleNames(started.instrumentations));
  installShutdown(started);
  diag.info(startupLine(config, VERSION));
}

try {
  main();
} catch (error) {
  reportEarly(`could not start, your application is not traced: ${(error as Error)?.stack ?? String(error)}`);
}
