#!/usr/bin/env node
// EXPERIMENT (issue 21): what our bundler plugins cost, interleaved, medians.
// - build: the bundler's own time for the examples (task-manager's server and worker,
//   nest-orders), with and without the plugin, esbuild and webpack, CommonJS output;
// - run: the read-route fixture with the project's Express 5 (READ_ROUTE_EXPRESS=project;
//   pg, pino; GET /orders/7, two queries, one log line) bare, traced unbundled, and traced as esbuild and webpack bundles built
//   with the plugin: start-up (spawn → listening, 12 rounds of its own) and app CPU per
//   request under load.
//
//   npm run build && node bench/experiments/bundles.mjs [--rounds=5] [--seconds=5] [--build-rounds=7] [--build-only] [--fresh-process] [--bundlers=esbuild,webpack]
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildBundles } from '../../dist/test/helpers/bundle.js';
import { OURS_SPECIFIER, ROOT } from '../lib/configs.mjs';
import { installCleanup, killAll, scratchDir } from '../lib/proc.mjs';
import { startReceiverProcess } from '../lib/receiver.mjs';
import { readRequest } from '../lib/routes.mjs';
import { prepareServices } from '../lib/services.mjs';
import { summary, MB } from '../lib/stats.mjs';
import { ROUTES, runCase } from '../load.mjs';

const { values: options } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, seconds: { type: 'string', default: '5' }, 'build-rounds': { type: 'string', default: '7' }, 'build-only': { type: 'boolean', default: false }, 'fresh-process': { type: 'boolean', default: false }, bundlers: { type: 'string', default: 'esbuild,webpack' } } });
const bundlers = options.bundlers.split(',');

async function timed(work) {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/**
 * --fresh-process: each build in a Node process of its own, as `node build.mjs` runs
 * one, so that esbuild starts its service for that build, with that process's
 * environment; the build's own time, printed by the child, without Node's start-up.
 */
function buildInAProcess(build) {
  const script = `import { buildBundles } from ${JSON.stringify(join(ROOT, 'dist/test/helpers/bundle.js'))};
    const started = performance.now();
    await buildBundles(${JSON.stringify(build)});
    console.log(performance.now() - started);`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('exit', (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`build exited ${code}`))));
  });
}
const rounds = Number(options.rounds);
const examples = [join(ROOT, 'examples/task-manager/server.js'), join(ROOT, 'examples/task-manager/worker.js'), join(ROOT, 'examples/nest-orders/server.js')];

installCleanup();
// Build time: each bundler, with and without the plugin, alternating.
const buildTimes = new Map();
for (let round = 0; round <= Number(options['build-rounds']); round++) {
  for (const bundler of bundlers) {
    // Without the plugin first in odd rounds, with it first in even ones: neither always follows the other.
    for (const plugin of round % 2 === 1 ? [false, true] : [true, false]) {
      const build = { bundler, format: 'cjs', plugin, entries: examples, outDir: join(scratchDir(), `build-${bundler}-${plugin}-${round}`) };
      const ms = options['fresh-process'] ? await buildInAProcess(build) : await timed(() => buildBundles(build));
      if (round === 0) continue; // warms the file cache and the bundlers' own code
      const key = `${bundler}${plugin ? ' + plugin' : ''}`;
      buildTimes.set(key, [...(buildTimes.get(key) ?? []), ms]);
    }
  }
}
console.log('| build (task-manager server + worker, nest-orders; CommonJS) | ms (median) | with the plugin ÷ without |');
console.log('|---|---|---|');
for (const bundler of bundlers) {
  const without = summary(buildTimes.get(bundler)).median;
  const withPlugin = summary(buildTimes.get(`${bundler} + plugin`)).median;
  console.log(`| ${bundler} | ${without.toFixed(0)} → ${withPlugin.toFixed(0)} | ${(withPlugin / without).toFixed(3)} |`);
}

if (options['build-only']) process.exit(0);

// Run time: the same app unbundled and bundled, traced, interleaved.
const app = join(ROOT, 'bench/fixtures/read-route.cjs');
const [esbuiltPlain] = await buildBundles({ bundler: 'esbuild', format: 'cjs', plugin: false, entries: [app], outDir: join(scratchDir(), 'run-esbuild-plain') });
const [esbuilt] = await buildBundles({ bundler: 'esbuild', format: 'cjs', plugin: true, entries: [app], outDir: join(scratchDir(), 'run-esbuild') });
const [webpacked] = await buildBundles({ bundler: 'webpack', format: 'cjs', plugin: true, entries: [app], outDir: join(scratchDir(), 'run-webpack') });
const spec = { request: readRequest, esm: false, services: true };
Object.assign(ROUTES, {
  'bundle-unbundled': { ...spec, title: 'unbundled', app },
  'bundle-esbuild-plain': { ...spec, title: 'esbuild', app: esbuiltPlain },
  'bundle-esbuild': { ...spec, title: 'esbuild + plugin', app: esbuilt },
  'bundle-webpack': { ...spec, title: 'webpack + plugin', app: webpacked },
});
const projectExpress = { READ_ROUTE_EXPRESS: 'project' };
const bare = { name: 'bare', args: [], esmArgs: [], env: projectExpress };
const ours = { name: 'ours', args: ['--import', OURS_SPECIFIER], esmArgs: ['--import', OURS_SPECIFIER], env: projectExpress };
const variants = [
  ['bare, unbundled', 'bundle-unbundled', bare],
  ['bare, esbuild bundle (what bundling itself changes)', 'bundle-esbuild-plain', bare],
  ['bare, esbuild bundle + plugin (the plugin without the preload)', 'bundle-esbuild', bare],
  ['ours, unbundled', 'bundle-unbundled', ours],
  ['ours, esbuild bundle + plugin', 'bundle-esbuild', ours],
  ['ours, webpack bundle + plugin', 'bundle-webpack', ours],
];
const receiver = await startReceiverProcess();
try {
  const services = await prepareServices({ log: console.error });
  // Start-up alone, more rounds than the load phase gives: spawn → the "listening" line,
  // exporting to a closed port (nothing to wait for), interleaved.
  const startups = new Map(variants.map(([name]) => [name, []]));
  const listening = (args) =>
    new Promise((resolve, reject) => {
      const started = performance.now();
      const env = { ...process.env, ...services, ...projectExpress, PORT: '0', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' };
      const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'ignore'] });
      child.stdout.once('data', () => {
        resolve(performance.now() - started);
        child.kill('SIGKILL');
      });
      child.once('exit', (code) => code !== null && reject(new Error(`${args.join(' ')} exited ${code} before listening`)));
    });
  for (let round = 0; round <= 12; round++) {
    for (const [name, route, config] of variants) {
      const ms = await listening([...config.args, ROUTES[route].app]);
      if (round > 0) startups.get(name).push(ms);
    }
  }
  console.log('| start-up: variant (12 rounds) | spawn → listening ms |');
  console.log('|---|---|');
  for (const [name, ms] of startups) console.log(`| ${name} | ${summary(ms).median.toFixed(0)} |`);

  const results = new Map(variants.map(([name]) => [name, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const [name, route, config] of variants) {
      const r = await runCase({ route, config, receiver, services, connections: 10, warmupSeconds: 2, seconds: Number(options.seconds) });
      results.get(name).push(r);
      console.error(`  ${round} ${name}: ${r.reqPerSec.toFixed(0)} req/s, ${r.cpuPerRequest.toFixed(0)} µs CPU/req, ${r.spansPerRequest.toFixed(2)} spans/req, started in ${r.startupMs.toFixed(0)} ms`);
    }
  }
  console.log('| run: variant | spawn → listening ms | req/s | app CPU µs/request | p99 ms | RSS after load MB | spans/request |');
  console.log('|---|---|---|---|---|---|---|');
  for (const [name, runs] of results) {
    const m = (key, scale = 1) => summary(runs.map((r) => r[key] / scale)).median;
    console.log(`| ${name} | ${m('startupMs').toFixed(0)} | ${m('reqPerSec').toFixed(0)} | ${m('cpuPerRequest').toFixed(0)} | ${m('p99').toFixed(1)} | ${m('rssLoaded', MB).toFixed(0)} | ${m('spansPerRequest').toFixed(2)} |`);
  }
} finally {
  await receiver.close();
  killAll();
}
process.exit(0);
