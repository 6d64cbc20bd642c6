import { config } from './config.js';

/**
 * Graceful shutdown on SIGTERM/SIGINT: runs the registered closers in reverse order of
 * registration (last started, first stopped), then exits 0. A second signal, or
 * SHUTDOWN_TIMEOUT_MS elapsing, exits at once with a non-zero code.
 */
export function createLifecycle(logger) {
  const closers = [];
  let stopping = false;

  async function closeAll() {
    for (const { name, close } of closers.reverse()) {
      const started = performance.now();
      await close();
      logger.debug({ step: name, ms: Math.round(performance.now() - started) }, 'closed');
    }
  }

  function onSignal(signal) {
    if (stopping) {
      logger.warn({ signal }, 'second signal, exiting immediately');
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    stopping = true;
    const started = performance.now();
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timed out');
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();

    closeAll().then(
      () => {
        logger.info({ ms: Math.round(performance.now() - started) }, 'shutdown complete');
        process.exit(0);
      },
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  }

  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  return {
    /** Registers something to close on shutdown. */
    add(name, close) {
      closers.push({ name, close });
    },
    get stopping() {
      return stopping;
    },
  };
}

/** Stops accepting connections and resolves once in-flight requests have finished. */
export function closeHttpServer(server) {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    // close() already drops idle keep-alive connections; this covers any that become idle.
    server.closeIdleConnections();
  });
}
