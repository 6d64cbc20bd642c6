// Starts bench/fixtures/receiver-child.mjs (OTLP receivers and fake Datadog agents) and talks to it over IPC.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cleanEnv, ipcClient, stop, track } from './proc.mjs';

const CHILD = fileURLToPath(new URL('../fixtures/receiver-child.mjs', import.meta.url));

export async function startReceiverProcess() {
  const child = track(spawn(process.execPath, [CHILD], { env: cleanEnv({ BENCH_AGENT_DEBUG: process.env.BENCH_AGENT_DEBUG ?? '' }), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const ready = await new Promise((resolve, reject) => {
    const onMessage = (message) => {
      if (message?.ready) {
        child.off('message', onMessage);
        resolve(message);
      }
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`the receiver exited (${code}) before it was ready`)));
    child.once('error', reject);
  });
  const ask = ipcClient(child);
  return {
    /** Where the tracers export for the counted figures. */
    grpcUrl: ready.grpcUrl,
    /** The same receiver over OTLP/HTTP. */
    httpUrl: ready.httpUrl,
    /** A second receiver that also tallies span names (spans-per-request check). */
    namingGrpcUrl: ready.namingGrpcUrl,
    /** The fake Datadog agents (dd-trace): counting, and tallying span names. */
    agentUrl: ready.agentUrl,
    namingAgentUrl: ready.namingAgentUrl,
    counts: async () => (await ask({ cmd: 'counts' })).counting,
    namingCounts: async () => (await ask({ cmd: 'counts' })).naming,
    names: async () => (await ask({ cmd: 'names' })).names,
    resetNames: () => ask({ cmd: 'reset-names' }),
    close: async () => {
      try {
        await ask({ cmd: 'close' }, 5_000);
      } catch {
        // it is killed below either way
      }
      await stop(child);
    },
  };
}
