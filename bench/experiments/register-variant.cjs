// EXPERIMENT (not a product file): dist/register.js's main() with proposed changes,
// chosen by BENCH_EXPERIMENT (comma-separated), to measure them before anyone
// changes the product. Preload it with --require instead of the register.
//
//   no-esm-hook     no loader hook at all (what the hook costs a CommonJS app)
//   no-redaction    Redaction.apply as a no-op (what it costs per span)
//   null-send       batches written as usual but never sent: each export reports success at once
//                   (what the sending costs, apart from writing the spans)
//   worker-send     each batch's request written on the app's thread, as now, and sent by the
//                   official OTLP exporter in a worker thread (what moving the sending costs or saves)
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
  if (experiments.has('worker-send')) require(`${dist}/sdk/export/exporters.js`).createLazyOtlpSpanExporter = workerSender;
  const started = require(`${dist}/sdk/start.js`).startSdk(config);
  const include = require(`${dist}/sdk/instrument/instrumentations.js`).patchedModuleNames(started.instrumentations);
  if (!experiments.has('no-esm-hook')) require(`${dist}/sdk/instrument/esm-hooks.js`).registerEsmHook(include, undefined, console.warn);
  require(`${dist}/sdk/shutdown.js`).installShutdown(started);
}

/** An exporter of encoded batches whose sending happens in a worker thread (experiment worker-send). */
function workerSender(otlp) {
  const { Worker } = require('node:worker_threads');
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { createOtlpExporter } = require(workerData.exporters);
    const exporter = createOtlpExporter('traces', workerData.otlp);
    parentPort.on('message', ({ id, bytes, length }) => {
      exporter.export({ length, request: () => bytes }, (result) => parentPort.postMessage({ id, code: result.code, error: result.error && String(result.error) }));
    });`;
  const worker = new Worker(code, { eval: true, workerData: { exporters: `${dist}/sdk/export/exporters.js`, otlp: { ...otlp, headers: { ...otlp.headers } } } });
  worker.unref();
  const pending = new Map();
  let next = 0;
  worker.on('message', ({ id, code, error }) => {
    const done = pending.get(id);
    pending.delete(id);
    done?.({ code, error: error === undefined ? undefined : new Error(error) });
  });
  return {
    export(batch, done) {
      const id = next++;
      pending.set(id, done);
      const bytes = batch.request();
      worker.postMessage({ id, bytes, length: batch.length }); // copied: a small request may sit in Buffer's shared pool
    },
    forceFlush: () => Promise.resolve(),
    shutdown: () => worker.terminate().then(() => undefined),
  };
}
