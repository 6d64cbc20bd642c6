// What each configuration actually traces: spans received per request, by name, for
// the hello route (CommonJS fixture and its ESM twin) and the database route (the ESM
// example), with a receiver that tallies names (for dd-trace: a fake agent that decodes
// its msgpack; names shown as `span.kind operation: resource`). For the ESM example the official register is tried
// both alone and with its loader hook, to show why the latter is what we compare to.
import { CONFIGS, EXAMPLE, HELLO, HELLO_ESM, OFFICIAL_REGISTER_ONLY, PROBE, ROOT, configEnv } from './lib/configs.mjs';
import { ipcClient, startApp, stop } from './lib/proc.mjs';
import { truncateTasks } from './lib/services.mjs';
import { dbRequest, helloRequest } from './lib/routes.mjs';

async function tracedRequests({ receiver, nodeArgs, app, env, route, requests, label }) {
  await receiver.resetNames();
  const before = await receiver.namingCounts();
  const { child, port } = await startApp(['--require', PROBE, ...nodeArgs, app], { env, cwd: ROOT, stdout: 'file', ipc: true, label });
  try {
    const ask = ipcClient(child);
    const send = async () => {
      const response = await fetch(`http://127.0.0.1:${port}${route.path}`, { method: route.method, headers: route.headers, body: route.body });
      await response.arrayBuffer();
      if (response.status !== route.status) throw new Error(`${label}: ${route.method} ${route.path} answered ${response.status}`);
    };
    await send(); // the first request also makes the connection-level spans (pg connect, kafka)
    await ask({ cmd: 'flush' });
    await receiver.resetNames();
    const start = await receiver.namingCounts();
    for (let i = 0; i < requests; i++) await send();
    await ask({ cmd: 'flush' });
    const end = await receiver.namingCounts();
    const names = await receiver.names();
    void before;
    return {
      spansPerRequest: (end.spans - start.spans) / requests,
      names: Object.fromEntries(Object.entries(names).map(([name, count]) => [name, count / requests])),
    };
  } finally {
    await stop(child);
  }
}

/** Returns rows { route, config, spansPerRequest, names }. */
export async function checkCoverage({ receiver, services, requests = 20, log }) {
  const rows = [];
  const cases = [
    { route: 'hello', app: HELLO, routeSpec: helloRequest, configs: CONFIGS.map((c) => ({ ...c, name: c.name, args: c.args })) },
    { route: 'hello-esm', app: HELLO_ESM, routeSpec: helloRequest, configs: CONFIGS.map((c) => ({ ...c, name: c.name, args: c.esmArgs })) },
    {
      route: 'db',
      app: EXAMPLE,
      routeSpec: dbRequest,
      configs: [
        ...CONFIGS.map((c) => ({ ...c, name: c.name === 'official' ? 'official (register + loader hook)' : c.name, args: c.esmArgs })),
        OFFICIAL_REGISTER_ONLY,
      ],
    },
  ];
  for (const { route, app, routeSpec, configs } of cases) {
    if (route === 'db' && !services) continue;
    for (const config of configs) {
      if (route === 'db') await truncateTasks(services.DATABASE_URL);
      const env = configEnv(config, receiver, { PORT: '0', WORKER_MODE: 'off', ...(route === 'db' ? services : {}) }, { naming: true });
      const result = await tracedRequests({ receiver, nodeArgs: config.args, app, env, route: routeSpec, requests, label: `${route}-${config.name}` });
      log(`  spans/request ${route} ${config.name}: ${result.spansPerRequest.toFixed(2)}`);
      rows.push({ route, config: config.name, ...result });
    }
  }
  return rows;
}
