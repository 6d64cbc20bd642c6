// EXPERIMENT (not a product file): dist/register.js's main() with proposed changes,
// chosen by BENCH_EXPERIMENT (comma-separated), to measure them before anyone
// changes the product. Preload it with --require instead of the register.
//
//   no-esm-hook     no loader hook at all (what the hook costs a CommonJS app)
//   sync-esm-hook   import-in-the-middle's in-thread hook (`register-hooks.mjs`,
//                   module.registerHooks, Node >= 22.22.3 / 24.11.1) instead of
//                   module.register(), which runs the hook on its own thread with a
//                   synchronous round trip for every module the app loads, require() too
//   lazy-exporter   the OTLP exporter package (grpc-js, otlp-transformer, …) loaded at
//                   the first export instead of at start-up
//   no-tracking     UnexportedSpans.add/settle as no-ops (what the per-span Set costs)
//   no-redaction    RedactingProcessor.onEnd as a no-op (what it costs per span)
//
// Mirrors register.ts at the time of writing (config → diag → startSdk → hook →
// shutdown); if register.ts changes, this must follow.
'use strict';
const { randomUUID } = require('node:crypto');
const dist = `${__dirname}/../../dist`;
const experiments = new Set((process.env.BENCH_EXPERIMENT ?? '').split(',').map((s) => s.trim()).filter(Boolean));
const { findAppPackage } = require(`${dist}/config/app-package.js`);
const { configFromEnv } = require(`${dist}/config/index.js`);
const { markStarted } = require(`${dist}/sdk/guard.js`);

/** Loads the real exporter on the first export; until then nothing of it is loaded. */
class LazyExporter {
  constructor(create) {
    this.create = create;
    this.inner = undefined;
  }
  get() {
    this.inner ??= this.create();
    return this.inner;
  }
  export(spans, done) {
    this.get().export(spans, done);
  }
  forceFlush() {
    return this.inner?.forceFlush?.() ?? Promise.resolve();
  }
  shutdown() {
    return this.inner?.shutdown() ?? Promise.resolve();
  }
}

if (require('node:worker_threads').isMainThread && markStarted()) {
  const { runsInContainer } = require(`${dist}/sdk/resource.js`);
  const { config } = configFromEnv(process.env, {
    appPackage: findAppPackage(process.argv[1], process.cwd()),
    inContainer: runsInContainer(process.env),
    randomId: randomUUID(),
  });
  require(`${dist}/sdk/diag.js`).setUpDiagnostics(config.logLevel);
  if (experiments.has('lazy-exporter')) {
    const exporters = require(`${dist}/sdk/exporters.js`);
    const create = exporters.createOtlpSpanExporter;
    exporters.createOtlpSpanExporter = (otlp) => new LazyExporter(() => create(otlp));
  }
  if (experiments.has('no-tracking')) {
    const { UnexportedSpans } = require(`${dist}/sdk/export-tracking.js`);
    UnexportedSpans.prototype.add = () => {};
    UnexportedSpans.prototype.settle = () => {};
  }
  if (experiments.has('no-redaction')) require(`${dist}/sdk/redaction.js`).RedactingProcessor.prototype.onEnd = () => {};
  const started = require(`${dist}/sdk/start.js`).startSdk(config);
  const include = require(`${dist}/sdk/instrumentations.js`).patchedModuleNames(started.instrumentations);
  if (experiments.has('no-esm-hook')) {
    // nothing
  } else if (experiments.has('sync-esm-hook')) {
    const iitm = require('import-in-the-middle/register-hooks.mjs');
    if (include.length > 0 && iitm.supportsSyncHooks()) iitm.register({ include });
  } else {
    require(`${dist}/sdk/hooks.js`).registerEsmHook(include);
  }
  require(`${dist}/sdk/shutdown.js`).installShutdown(started);
}
