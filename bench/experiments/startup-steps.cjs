// EXPERIMENT: dist/register.js's main(), step by step with timings, to see where our
// start-up goes. Preload it instead of the register:
//   node --require ./bench/experiments/startup-steps.cjs -e 0
// (OTEL_* as for the bench). Prints one line per step on stderr.
'use strict';
const t0 = performance.now();
let last = t0;
const steps = [];
const step = (name) => {
  const now = performance.now();
  steps.push([name, now - last]);
  last = now;
};
const dist = `${__dirname}/../../dist`;
const { randomUUID } = require('node:crypto');
const { findAppPackage } = require(`${dist}/config/app-package.js`);
const { configFromEnv } = require(`${dist}/config/index.js`);
const { markStarted } = require(`${dist}/sdk/guard.js`);
step('load config/ and guard');
markStarted();
const { runsInContainer } = require(`${dist}/sdk/resource.js`);
const { config } = configFromEnv(process.env, { appPackage: findAppPackage(process.argv[1], process.cwd()), inContainer: runsInContainer(process.env), randomId: randomUUID() });
step('configFromEnv');
const diagnostics = require(`${dist}/sdk/diag.js`);
diagnostics.setUpDiagnostics(config.logLevel);
step('diag (loads @opentelemetry/api)');
const { startSdk } = require(`${dist}/sdk/start.js`);
step('require sdk/start.js (api, core, sdk-trace, context-async-hooks, instrumentation)');
const { registerEsmHook } = require(`${dist}/sdk/instrument/esm-hooks.js`);
const { patchedModuleNames } = require(`${dist}/sdk/instrument/instrumentations.js`);
const { installShutdown } = require(`${dist}/sdk/shutdown.js`);
step('require hooks, instrumentations, shutdown');

// startSdk() in parts, by wrapping the lazy requires it makes.
const Module = require('node:module');
const originalLoad = Module._load;
const lazy = new Map();
let depth = 0;
Module._load = function load(request) {
  if (depth > 0) return originalLoad.apply(this, arguments);
  depth++;
  const start = performance.now();
  try {
    return originalLoad.apply(this, arguments);
  } finally {
    depth--;
    const key = /exporter|grpc/.test(request) ? 'require the OTLP exporter (grpc-js, otlp-transformer, …)' : /instrumentation-/.test(request) ? 'require the instrumentation packages' : /resource/.test(request) ? 'require resources and detectors' : `require ${request}`;
    lazy.set(key, (lazy.get(key) ?? 0) + performance.now() - start);
  }
};
const started = startSdk(config);
Module._load = originalLoad;
const sdkTotal = performance.now() - last;
for (const [name, ms] of lazy) steps.push([`  in startSdk: ${name}`, ms]);
steps.push(['  in startSdk: the rest (resource detection, constructors, enable() hooks)', sdkTotal - [...lazy.values()].reduce((a, b) => a + b, 0)]);
last = performance.now();
registerEsmHook(patchedModuleNames(started.instrumentations), undefined, console.warn);
step('registerEsmHook (module.register: starts the hooks thread)');
installShutdown(started);
step('installShutdown');
process.on('exit', () => {
  const total = performance.now() - t0;
  process.stderr.write(`preload ${total.toFixed(1)} ms in all (process start → preload start ${t0.toFixed(1)} ms; exit at ${performance.now().toFixed(1)} ms)\n`);
  for (const [name, ms] of steps) process.stderr.write(`${ms.toFixed(1).padStart(8)} ms  ${name}\n`);
});
