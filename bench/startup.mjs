// Start-up: wall time from spawn until (a) the CommonJS fixture app prints its
// "listening" line, (b) the same for its ESM twin (each configuration's ESM recipe),
// and (c) `node [--import X] -e 0` exits. Interleaved A, B, C, A, … after one
// unrecorded round (file-system caches; skipped with warmupRound: false, in quick mode).
import { CONFIGS, HELLO, HELLO_ESM, ROOT, configEnv, OFFICIAL_SPECIFIER } from './lib/configs.mjs';
import { cleanEnv, startApp, stop, timeToExit } from './lib/proc.mjs';

async function listeningMs(args, app, env, label) {
  const { child, startupMs } = await startApp([...args, app], { env, cwd: ROOT, stdout: 'pipe', label: `startup-${label}` });
  await stop(child);
  return startupMs;
}

/** Returns { listening: { [config]: ms[] }, listeningEsm: { [config]: ms[] }, eval0: { [config]: ms[] }, footnote? }. */
export async function measureStartup({ receiver, rounds, log, defaultsFootnote, warmupRound = true }) {
  const empty = () => Object.fromEntries(CONFIGS.map((c) => [c.name, []]));
  const listening = empty();
  const listeningEsm = empty();
  const eval0 = empty();
  for (let round = warmupRound ? 0 : 1; round <= rounds; round++) {
    for (const config of CONFIGS) {
      const env = configEnv(config, receiver, { PORT: '0' });
      const a = await listeningMs(config.args, HELLO, env, config.name);
      const b = await listeningMs(config.esmArgs, HELLO_ESM, env, `${config.name}-esm`);
      const c = await timeToExit([...config.args, '-e', '0'], { env, cwd: ROOT });
      if (round === 0) continue; // warm-up round
      listening[config.name].push(a);
      listeningEsm[config.name].push(b);
      eval0[config.name].push(c);
    }
    if (round > 0) {
      log(
        `  start-up round ${round}/${rounds} (listening CJS/ESM/-e 0): ${CONFIGS.map((c) => `${c.name} ${[listening, listeningEsm, eval0].map((m) => m[c.name].at(-1).toFixed(0)).join('/')} ms`).join(', ')}`,
      );
    }
  }
  let footnote;
  if (defaultsFootnote) {
    // What a user gets from the official register with nothing but the endpoint set:
    // all resource detectors (cloud metadata lookups) and http/protobuf.
    const defaultsEnv = cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl, OTEL_SERVICE_NAME: 'bench-app', PORT: '0' });
    const args = ['--import', OFFICIAL_SPECIFIER];
    const eval0Ms = await timeToExit([...args, '-e', '0'], { env: defaultsEnv, cwd: ROOT, timeoutMs: 120_000 });
    const listeningDefaultsMs = await listeningMs(args, HELLO, defaultsEnv, 'official-defaults');
    footnote = { eval0Ms, listeningMs: listeningDefaultsMs };
    log(`  official register with its defaults (all detectors): listening ${listeningDefaultsMs.toFixed(0)} ms, -e 0 ${eval0Ms.toFixed(0)} ms`);
  }
  return { listening, listeningEsm, eval0, footnote };
}
