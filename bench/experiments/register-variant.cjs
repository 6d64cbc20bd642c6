// EXPERIMENT (not a product file): dist/register.js's main() with proposed changes,
// chosen by BENCH_EXPERIMENT (comma-separated), to measure them before anyone
// changes the product. Preload it with --require instead of the register.
//
//   no-esm-hook     no loader hook at all (what the hook costs a CommonJS app)
//   no-redaction    Redaction.apply as a no-op (what it costs per span)
//   null-send       batches written as usual but never sent: each export reports success at once
//                   (what the sending costs, apart from writing the spans)
//
// (The in-thread hook and the exporter loaded at the first export, measured here first,
// are now the product's: sdk/instrument/esm-hooks.ts, sdk/export/exporters.ts.)
// Mirrors register.ts's steps (config → diag → startSdk → hook → shutdown), but
// loads tsc's unbundled dist/sdk/*.js files, so that the experiments can patch their
// classes: compare its variants with its own control (BENCH_EXPERIMENT=''), not with
// the product, which loads the bundle dist/sdk/runtime.js (scripts/bundle.mjs).
// If register.ts changes, this must follow.
'use strict';
const { randomUUID } = require('node:crypto');
const dist = `${__dirname}/../../dist`;
const experiments = new Set((process.env.BENCH_EXPERIMENT ?? '').split(',').map((s) => s.trim()).filter(Boolean));
const { findAppPackage } = require(`${dist}/config/app-package.js`);
const { configFromEnv } = require(`${dist}/config/index.js`);
const { markStarted } = require(`${dist}/sdk/guard.js`);

if (require('node:worker_threads').isMainThread && markStarted()) {
  const { runsInContainer } = require(`${dist}/sdk/resource.js`);
  const { config } = configFromEnv(process.env, {
    appPackage: findAppPackage(process.argv[1], process.cwd()),
    inContainer: runsInContainer(process.env),
    randomId: randomUUID(),
  });
  require(`${dist}/sdk/diag.js`).setUpDiagnostics(config.logLevel);
  if (experiments.has('no-redaction')) require(`${dist}/sdk/spans/redaction.js`).Redaction.prototype.apply = () => {};
  if (experiments.has('null-send')) require(`${dist}/sdk/export/span-batches.js`).SpanBatches.prototype.send = (_batch, done) => done?.();
  const started = require(`${dist}/sdk/start.js`).startSdk(config);
  const include = require(`${dist}/sdk/instrument/instrumentations.js`).patchedModuleNames(started.instrumentations);
  if (!experiments.has('no-esm-hook')) require(`${dist}/sdk/instrument/esm-hooks.js`).registerEsmHook(include);
  require(`${dist}/sdk/shutdown.js`).installShutdown(started);
}
