/**
 * The preload: `node --import otel-preload/register app.js` (or `--require`).
 * Reads like a table of contents; the work is in config/ and sdk/. Nothing here
 * may throw into the app: on any failure the app runs untraced, with one message.
 *
 * Only node built-ins, config/ and sdk/guard are loaded before the checks below
 * pass; the SDK modules are required after them, so that OTEL_SDK_DISABLED=true,
 * a worker thread or npm itself load no OpenTelemetry package at all.
 */
import { randomUUID } from 'node:crypto';
import { isMainThread } from 'node:worker_threads';
import { findAppPackage } from './config/app-package.js';
import { configFromEnv, isDisabled } from './config/index.js';
import { isPackageManager, markStarted, reportEarly, VERSION } from './sdk/guard.js';

function main(): void {
  // A worker thread inherits --import; a second SDK there would double every span.
  if (!isMainThread || isDisabled(process.env) || isPackageManager(process.argv[1]) || !markStarted()) return;

  const { runsInContainer } = require('./sdk/resource.js') as typeof import('./sdk/resource.js');
  const { config, warnings } = configFromEnv(process.env, {
    appPackage: findAppPackage(process.argv[1], process.cwd()),
    inContainer: runsInContainer(process.env),
    randomId: randomUUID(),
  });

  const diagnostics = require('./sdk/diag.js') as typeof import('./sdk/diag.js');
  const report = diagnostics.setUpDiagnostics(config.logLevel);
  for (const warning of warnings) report.warn(warning);

  const { startSdk } = require('./sdk/start.js') as typeof import('./sdk/start.js');
  const { registerEsmHook } = require('./sdk/hooks.js') as typeof import('./sdk/hooks.js');
  const { patchedModuleNames } = require('./sdk/instrumentations.js') as typeof import('./sdk/instrumentations.js');
  const { installShutdown } = require('./sdk/shutdown.js') as typeof import('./sdk/shutdown.js');

  const started = startSdk(config);
  registerEsmHook(patchedModuleNames(started.instrumentations));
  installShutdown(started);
  report.info(diagnostics.startupLine(config, VERSION));
}

try {
  main();
} catch (error) {
  reportEarly(`could not start, your application is not traced: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
}
