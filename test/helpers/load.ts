// Continuous load from concurrent keep-alive clients, as a service sees in
// production. Every request carries a traceparent of the client's own, so the trace
// id of each response that arrived in full is known without the app's help.
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';

export interface Completed {
  /** The trace and parent span id the client sent: the server span must be in this trace, under this span. */
  traceId: string;
  spanId: string;
  status: number;
  /** Date.now() when the whole response had arrived. */
  at: number;
}

export interface Load {
  /** Requests whose whole response arrived, in order of arrival. */
  completed: Completed[];
  /** Requests that got no complete response (connection refused or reset, …). */
  failures: { error: string; at: number }[];
  /** Stops sending and waits for the requests in flight to settle. */
  stop(): Promise<void>;
}

export interface LoadOptions {
  clients?: number;
  /** The path of the n-th request. */
  path?: (n: number) => string;
  /** Pause of each client between two requests (0: back to back). */
  pauseMs?: number;
  /** Pause of a client after a failed request, before it tries again. */
  retryMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One GET. A reset of a reused keep-alive socket before any of the answer arrived is
 * the keep-alive race (the server closed the idle socket as the request went out; on a
 * starved machine the client's pause can outlast the server's keep-alive timeout):
 * such a request is sent again, once, on a new socket, as Node's documentation of
 * `request.reusedSocket` advises.
 */
function once(agent: Agent, port: number, path: string, traceparent: string, retried = false): Promise<number> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request({ host: '127.0.0.1', port, path, agent, headers: { traceparent } }, (res) => {
      answered = true;
      const length = Number(res.headers['content-length']);
      let received = 0;
      res.on('data', (chunk: Buffer) => (received += chunk.length));
      res.on('error', reject);
      res.on('end', () => {
        if (res.complete && (Number.isNaN(length) || received === length)) resolve(res.statusCode ?? 0);
        else reject(new Error(`incomplete response: ${received} of ${length} bytes`));
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (!retried && !answered && req.reusedSocket && error.code === 'ECONNRESET') once(agent, port, path, traceparent, true).then(resolve, reject);
      else reject(error);
    });
    req.setTimeout(30_000, () => req.destroy(new Error('no answer in 30 s')));
    req.end();
  });
}

export function startLoad(port: number, options: LoadOptions = {}): Load {
  const clients = options.clients ?? 10;
  const path = options.path ?? ((n: number) => `/work/${n}`);
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const completed: Completed[] = [];
  const failures: { error: string; at: number }[] = [];
  let stopped = false;
  let sent = 0;
  const client = async () => {
    while (!stopped) {
      const traceId = randomBytes(16).toString('hex');
      const spanId = randomBytes(8).toString('hex');
      try {
        const status = await once(agent, port, path(sent++), `00-${traceId}-${spanId}-01`);
        completed.push({ traceId, spanId, status, at: Date.now() });
        if (options.pauseMs) await sleep(options.pauseMs);
      } catch (error) {
        failures.push({ error: (error as Error).message, at: Date.now() });
        await sleep(options.retryMs ?? 20);
      }
    }
  };
  const running = Array.from({ length: clients }, () => client());
  return {
    completed,
    failures,
    stop: async () => {
      stopped = true;
      await Promise.all(running);
      agent.destroy();
    },
  };
}
