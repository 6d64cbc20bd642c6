// Start-up: wall time from spawn until (a) the CommonJS fixture app prints its
// "listening" line, and (b) `node [--import X] -e 0` exits. Interleaved A, B, C, A, …
// after one unrecorded round (file-system caches).
import { CONFIGS, HELLO, ROOT, tracingEnv, OFFICIAL_SPECIFIER } from './lib/configs.mjs';
import { cleanEnv, startApp, stop, timeToExit } from './lib/proc.mjs';

async function listeningMs(config, env) {
  const { child, startupMs } = await startApp([...config.args, HELLO], { env, cwd: ROOT, stdout: 'pipe', label: `startup-${config.name}` });
  await stop(child);
  return startupMs;
}

/** Returns { listening: { [config]: ms[] }, eval0: { [config]: ms[] }, footnote? }. */
export async function measureStartup({ receiver, rounds, log, defaultsFootnote }) {
  const env = tracingEnv(receiver.grpcUrl, { PORT: '0' });
  const listening = Object.fromEntries(CONFIGS.map((c) => [c.name, []]));
  const eval0 = Object.fromEntries(CONFIGS.map((c) => [c.name, []]));
  for (let round = 0; round <= rounds; round++) {
    for (const config of CONFIGS) {
      const a = await listeningMs(config, env);
      const b = await timeToExit([...config.args, '-e', '0'], { env, cwd: ROOT });
      if (round === 0) continue; // warm-up round
      listening[config.name].push(a);
      eval0[config.name].push(b);
    }
    if (round > 0) log(`  start-up round ${round}/${rounds}: ${CONFIGS.map((c) => `${c.name} ${listening[c.name].at(-1).toFixed(0)}/${eval0[c.name].at(-1).toFixed(0)} ms`).join(', ')}`);
  }
  let footnote;
  if (defaultsFootnote) {
    // What a user gets from the official register with nothing but the endpoint set:
    // all resource detectors (cloud metadata lookups) and http/protobuf.
    const defaultsEnv = cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl, OTEL_SERVICE_NAME: 'bench-app', PORT: '0' });
    const args = ['--import', OFFICIAL_SPECIFIER];
    const eval0Ms = await timeToExit([...args, '-e', '0'], { env: defaultsEnv, cwd: ROOT, timeoutMs: 120_000 });
    const listeningDefaultsMs = await listeningMs({ name: 'official-defaults', args }, defaultsEnv);
    footnote = { eval0Ms, listeningMs: listeningDefaultsMs };
    log(`  official register with its defaults (all detectors): listening ${listeningDefaultsMs.toFixed(0)} ms, -e 0 ${eval0Ms.toFixed(0)} ms`);
  }
  return { listening, eval0, footnote };
}
