// Throughput, latency, memory and spans per request under autocannon, for
// (a) the hello route of the CommonJS fixture, (b) the same of its ESM twin and
// (c) POST /api/tasks of the ESM example (a real INSERT and a real Kafka message per request). Each case: start the
// app (with the probe preloaded in all configurations), warm up, flush, read memory,
// run the measured load, read memory, flush, count the spans received.
import { createRequire } from 'node:module';
import { CONFIGS, EXAMPLE, FASTIFY, LOAD_CONFIGS, HELLO, HELLO_ESM, PROBE, READ_ROUTE, ROOT, configEnv } from './lib/configs.mjs';
import { ipcClient, startApp, stop } from './lib/proc.mjs';
import { dbRequest, fastifyRequest, helloRequest, readRequest } from './lib/routes.mjs';
import { truncateTasks } from './lib/services.mjs';

const require = createRequire(import.meta.url);
const autocannon = require('autocannon');

function cannon({ port, route, connections, seconds }) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `http://127.0.0.1:${port}${route.path}`,
        method: route.method,
        headers: route.headers,
        body: route.body,
        connections,
        duration: seconds,
        timeout: 10,
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

export const ROUTES = {
  hello: { title: 'hello-world (CommonJS fixture, GET /)', app: HELLO, request: helloRequest, esm: false },
  'hello-esm': { title: 'hello-world (ESM fixture, GET /)', app: HELLO_ESM, request: helloRequest, esm: true },
  db: { title: 'database + Kafka (ESM example, POST /api/tasks)', app: EXAMPLE, request: dbRequest, esm: true, services: true },
  // Only in experiments/variants.mjs (the Fastify comparison), not in `npm run bench`.
  fastify: { title: 'Fastify 5 (CommonJS fixture, GET /users/:id)', app: FASTIFY, request: fastifyRequest, esm: false },
  // Issue 20's read route: what a typical service's read does.
  read: { title: 'Express 4 + pg + pino read route (CommonJS, GET /orders/:id, two queries, one log line)', app: READ_ROUTE, request: readRequest, esm: false, services: true },
};

/** One app, one configuration: warm-up, then the measured load. `config.env` adds to the environment (experiments). */
export async function runCase({ route, config, receiver, services, connections, warmupSeconds, seconds }) {
  const spec = ROUTES[route];
  if (route === 'db') await truncateTasks(services.DATABASE_URL);
  const env = configEnv(config, receiver, { PORT: '0', WORKER_MODE: 'off', ...(spec.services ? services : {}) });
  const nodeArgs = ['--require', PROBE, ...(spec.esm ? config.esmArgs : config.args), spec.app];
  const { child, port, startupMs } = await startApp(nodeArgs, { env, cwd: ROOT, stdout: 'file', ipc: true, label: `${route}-${config.name}` });
  try {
    const ask = ipcClient(child);
    await new Promise((resolve) => setTimeout(resolve, 200)); // let start-up work finish (resource detection, first timers)
    const memIdle = await ask({ cmd: 'mem' });
    await cannon({ port, route: spec.request, connections, seconds: warmupSeconds });
    await ask({ cmd: 'flush' });
    const memWarm = await ask({ cmd: 'mem' });
    const before = await receiver.counts();
    const result = await cannon({ port, route: spec.request, connections, seconds });
    const memLoaded = await ask({ cmd: 'mem' });
    await ask({ cmd: 'flush' });
    const flushed = await ask({ cmd: 'mem' }); // CPU including the export of the load's last spans
    const collected = await ask({ cmd: 'mem', gc: true }); // what is retained, not garbage yet to be collected
    const after = await receiver.counts();
    const completed = result.requests.total;
    const ok = result['2xx'];
    const bad = result.non2xx + result.errors + result.timeouts;
    return {
      startupMs,
      reqPerSec: ok / result.duration,
      p50: result.latency.p50,
      p99: result.latency.p99,
      completed,
      errors: bad,
      spansPerRequest: completed > 0 ? (after.spans - before.spans) / completed : NaN,
      // dd-trace only: uploads to the fake agent that it abandoned (its 2 s timeout; their spans are lost, not counted).
      agentAborted: (after.agentAborted ?? 0) - (before.agentAborted ?? 0),
      // The app's own CPU time (user + system, all threads) per request: far less
      // sensitive than req/s to other processes competing for the machine.
      cpuPerRequest: completed > 0 ? (flushed.cpuMicros - memWarm.cpuMicros) / completed : NaN,
      // Its system part: what the kernel did for it (socket writes, page faults).
      sysPerRequest: completed > 0 ? (flushed.sysMicros - memWarm.sysMicros) / completed : NaN,
      // By thread (Linux): the main thread, V8's workers (GC, compilation), the rest.
      threadsPerRequest: Object.fromEntries(Object.keys(flushed.threads ?? {}).map((kind) => [kind, completed > 0 ? (flushed.threads[kind] - (memWarm.threads?.[kind] ?? 0)) / completed : NaN])),
      rssIdle: memIdle.rss,
      heapIdle: memIdle.heapUsed,
      rssWarm: memWarm.rss,
      heapWarm: memWarm.heapUsed,
      rssLoaded: memLoaded.rss,
      heapLoaded: memLoaded.heapUsed,
      heapRetained: collected.heapUsed,
      rssAfterGc: collected.rss,
    };
  } finally {
    await stop(child);
  }
}

/** Returns { [route]: { [config]: caseResult[] } }. */
export async function measureLoad({ receiver, services, rounds, connections, warmupSeconds, seconds, log, quick = false }) {
  const routes = services ? ['hello', 'hello-esm', 'db', 'read'] : ['hello', 'hello-esm'];
  // Metrics on (ours+metrics) on the CommonJS hello-world and the database route only (the ESM
  // hello-world would add time, not an answer); in quick mode on the database route only.
  const withMetrics = (route) => route === 'db' || (route === 'hello' && !quick);
  const configsOf = (route) => (withMetrics(route) ? LOAD_CONFIGS : CONFIGS);
  const results = Object.fromEntries(routes.map((route) => [route, Object.fromEntries(configsOf(route).map((c) => [c.name, []]))]));
  for (let round = 1; round <= rounds; round++) {
    for (const route of routes) {
      for (const config of configsOf(route)) {
        const r = await runCase({ route, config, receiver, services, connections, warmupSeconds, seconds });
        results[route][config.name].push(r);
        log(
          `  load round ${round}/${rounds} ${route} ${config.name}: ${r.reqPerSec.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, ` +
            `${r.cpuPerRequest.toFixed(0)} µs CPU/req (sys ${r.sysPerRequest.toFixed(0)}), ${r.spansPerRequest.toFixed(2)} spans/req, rss ${(r.rssLoaded / 2 ** 20).toFixed(0)} MB${r.errors ? `, ${r.errors} errors/non-2xx` : ''}${r.agentAborted ? `, ${r.agentAborted} agent upload(s) abandoned` : ''}`,
        );
      }
    }
  }
  return results;
}
