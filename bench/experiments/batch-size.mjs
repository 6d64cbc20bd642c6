// EXPERIMENT: p99 latency at a steady request rate against OTEL_BSP_MAX_EXPORT_BATCH_SIZE.
// A batch is serialised on the event loop in one go (~7 µs per span, PROFILING.md §2), so
// large batches stall whatever requests arrive meanwhile. Interleaved, hello fixture.
//
//   node bench/experiments/batch-size.mjs [--rate=1000] [--seconds=15] [--rounds=3] [--sizes=512,128,32]
import autocannon from 'autocannon';
import { parseArgs } from 'node:util';
import { HELLO, OURS_SPECIFIER, PROBE, ROOT, tracingEnv } from '../lib/configs.mjs';
import { installCleanup, ipcClient, killAll, startApp, stop } from '../lib/proc.mjs';
import { startReceiverProcess } from '../lib/receiver.mjs';
import { summary } from '../lib/stats.mjs';

const { values } = parseArgs({ options: { rate: { type: 'string', default: '1000' }, seconds: { type: 'string', default: '15' }, rounds: { type: 'string', default: '3' }, sizes: { type: 'string', default: '512,128,32' } } });
const sizes = values.sizes.split(',').map(Number);
const variants = [{ name: 'bare', args: [], env: {} }, ...sizes.map((size) => ({ name: `ours, batch ${size}`, args: ['--import', OURS_SPECIFIER], env: { OTEL_BSP_MAX_EXPORT_BATCH_SIZE: String(size) } }))];

installCleanup();
const receiver = await startReceiverProcess();
const results = Object.fromEntries(variants.map((v) => [v.name, []]));
try {
  for (let round = 1; round <= Number(values.rounds); round++) {
    for (const variant of variants) {
      const { child, port } = await startApp(['--require', PROBE, ...variant.args, HELLO], { env: tracingEnv(receiver.grpcUrl, { PORT: '0', ...variant.env }), cwd: ROOT, stdout: 'file', ipc: true, label: variant.name });
      const ask = ipcClient(child);
      const run = (duration) => autocannon({ url: `http://127.0.0.1:${port}/`, connections: 10, duration, overallRate: Number(values.rate) });
      await run(3);
      const before = await ask({ cmd: 'mem' });
      const result = await run(Number(values.seconds));
      const after = await ask({ cmd: 'mem' });
      results[variant.name].push({ p50: result.latency.p50, p99: result.latency.p99, p999: result.latency.p99_9 ?? result.latency.p999, cpu: (after.cpuMicros - before.cpuMicros) / result.requests.total });
      process.stderr.write(`round ${round} ${variant.name}: p50 ${result.latency.p50} p99 ${result.latency.p99} ms\n`);
      await stop(child);
    }
  }
} finally {
  await receiver.close();
  killAll();
}
const med = (runs, key) => summary(runs.map((r) => r[key])).median;
console.log(`| ${values.rate} req/s, ${values.seconds} s × ${values.rounds} | p50 ms | p99 ms | p99.9 ms | app CPU µs/request |\n|---|---|---|---|---|`);
for (const [name, runs] of Object.entries(results)) console.log(`| ${name} | ${med(runs, 'p50')} | ${med(runs, 'p99')} | ${med(runs, 'p999')} | ${med(runs, 'cpu').toFixed(0)} |`);
