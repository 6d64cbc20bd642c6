// Export cost: how many spans per second each tracer delivers to the receiver over
// gRPC without dropping any (OTEL_BSP_* defaults: queue 2048, batch 512, delay 5 s),
// and what is dropped when spans are created as fast as one thread can. One fixture
// process per configuration and round; each step is followed by a flush, so
// created − received is exactly what the batch processor dropped.
import { spawn } from 'node:child_process';
import { CONFIGS, ROOT, SPANS, tracingEnv } from './lib/configs.mjs';
import { roundOrder } from './lib/order.mjs';
import { ipcClient, stop, track } from './lib/proc.mjs';

// Ours and the official register. Not the peers: dd-trace's spans do not go through the
// OpenTelemetry API the fixture uses, and EDOT registers its own (older) copy of the API,
// which the fixture's newer one does not accept as the global.
const TRACED = CONFIGS.filter((c) => c.name === 'ours' || c.name === 'official');

async function startFixture(config, env) {
  const child = track(spawn(process.execPath, [...config.args, SPANS], { env, cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] }));
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  await new Promise((resolve, reject) => {
    child.on('message', (message) => message?.ready && resolve());
    child.once('exit', (code) => reject(new Error(`span fixture (${config.name}) exited (${code})\n${stderr}`)));
  });
  return child;
}

async function step(ask, receiver, rate, seconds) {
  const before = (await receiver.counts()).spans;
  const { created, seconds: took } = await ask({ cmd: 'run', rate, seconds }, 120_000);
  const received = (await receiver.counts()).spans - before;
  return { rate, created, received, dropped: created - received, seconds: took, createdPerSec: created / took, receivedPerSec: received / took };
}

/**
 * `configs`: the tracers to measure, each { name, args, env? } (default ours and the
 * official; bench/experiments/variants.mjs passes its own, e.g. a build from before).
 * Returns { [config]: { sustained: number[], maxCreated: number[], maxReceived: number[], maxDropped: number[], maxDroppedShare: number[] } }.
 */
export async function measureExport({ receiver, rounds, seconds, searchSteps, log, configs = TRACED }) {
  const results = Object.fromEntries(configs.map((c) => [c.name, { sustained: [], maxCreated: [], maxReceived: [], maxDropped: [], maxDroppedShare: [], steps: [] }]));
  for (let round = 1; round <= rounds; round++) {
    for (const config of roundOrder(configs, round)) {
      const child = await startFixture(config, tracingEnv(receiver.grpcUrl, config.env));
      try {
        const ask = ipcClient(child);
        await step(ask, receiver, 2000, 0.5); // warm-up: JIT, the gRPC connection
        const flat = await step(ask, receiver, 0, seconds);
        const steps = [flat];
        let lo = 0;
        let hi = flat.createdPerSec;
        if (flat.dropped === 0) lo = hi;
        else {
          for (let i = 0; i < searchSteps; i++) {
            const rate = Math.round((lo + hi) / 2 / 100) * 100;
            const s = await step(ask, receiver, rate, seconds);
            steps.push(s);
            if (s.dropped === 0) lo = rate;
            else hi = rate;
          }
        }
        const r = results[config.name];
        r.sustained.push(lo);
        r.maxCreated.push(flat.createdPerSec);
        r.maxReceived.push(flat.receivedPerSec);
        r.maxDropped.push(flat.dropped);
        r.maxDroppedShare.push(flat.created > 0 ? flat.dropped / flat.created : 0);
        r.steps.push(steps);
        log(
          `  export round ${round}/${rounds} ${config.name}: sustained ${Math.round(lo)} spans/s with 0 dropped; flat out: created ${Math.round(flat.createdPerSec)}/s, ` +
            `received ${Math.round(flat.receivedPerSec)}/s, dropped ${flat.dropped} of ${flat.created} (${((100 * flat.dropped) / Math.max(1, flat.created)).toFixed(1)} %); ` +
            `steps ${steps.slice(1).map((s) => `${s.rate}:${s.dropped === 0 ? 'ok' : `-${s.dropped}`}`).join(' ')}`,
        );
      } finally {
        await stop(child);
      }
    }
  }
  return results;
}
