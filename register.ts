/**
 * The preload: `node --import otel-preload/register app.js` (or `--require`).
 * Reads like a table of contents; the work is in config/ and sdk/. Nothing here
 * may throw into the app: on any failure the app runs untraced, with one message.
 *
 * Only node built-ins, config/ and sdk/guard are loaded before the checks below
 * pass; the SDK (sdk/runtime, one bundled file) is required after them, so that
 * OTEL_SDK_DISABLED=true, a worker thread or npm itself load no OpenTelemetry code.
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { isMainThread } from 'node:worker_threads';
import { findAppPackage } from './config/app-package.js';
import { configFromEnv, isDisabled } from './config/index.js';
import { isPackageManager, markStarted, reportEarly, VERSION } from './sdk/guard.js';

function main(): void {
  // A worker thread inherits --import; a second SDK there would double every span.
  if (!isMainThread || isDisabled(process.env) || isPackageManager(process.argv[1]) || !markStarted()) return;

  // Through Node's own CommonJS loader, whatever loaded this file: on Node 22, a file
  // `--import`ed under an asynchronous loader hook (Yarn PnP's) gets a `require` that
  // has no `require.cache`, and so would every module it loads: require-in-the-middle,
  // which each instrumentation patches with, then throws into the app's own require.
  const sdk = createRequire(__filename)('./sdk/runtime.js') as typeof import('./sdk/runtime.js');
  const { config, warnings } = configFromEnv(process.env, {
    appPackage: findAppPackage(process.argv[1], process.cwd()),
    inContainer: sdk.runsInContainer(process.env),
    randomId: randomUUID(),
  });

  const report = sdk.setUpDiagnostics(config.logLevel);
  for (const warning of warnings) report.warn(warning);

  const started = sdk.startSdk(config);
  sdk.installShutdown(started);
  sdk.registerEsmHook(started.esmModuleNames, (specifier, parentURL) => sdk.activateImport(started.activation, specifier, parentURL), (message) => report.warn(message));
  report.info(sdk.startupLine(config, VERSION));
}

try {
  main();
} catch (error) {
  reportEarly(`could not start, your application is not traced: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
}
