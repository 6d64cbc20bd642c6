// Hostile clients of long-lived and slow answers, on plain node:http, Express 4 and
// Fastify 5 (test/fixtures/hostile/streams.js): a server-sent-events stream and a long
// poll the client abandons, a client gone before the headers, one gone in the middle of
// its request body, one gone after the first chunk of a 25 MB answer. Bare and traced,
// the client sees the same, the app logs the same (pino lines, less time, pid, hostname
// and the trace fields the preload adds), cleans up the same, and stays up (twins.ts).
import t, { type Test } from 'tap';
import { fixture, type RunningApp } from '../helpers/app.js';
import { type Act, loggedAgain, logCount, openRaw, sameOnBoth, startTwins, type Twins } from '../helpers/twins.js';

const HOST = 'Host: 127.0.0.1\r\n';
const head = (received: string) => received.slice(0, received.indexOf('\r\n\r\n') + 4).replace(/^Date: .*\r\n/im, 'Date: <date>\r\n');

/** Connects, sends the request, waits for the app to log `started`, lets `meanwhile` read, abandons, and waits for the app to log `cleaned`. */
function abandon(request: string | Buffer, started: string, cleaned: string[], meanwhile: (client: Awaited<ReturnType<typeof openRaw>>) => Promise<unknown> = () => Promise.resolve(undefined), readAtMost?: number): Act {
  return async (port: number, app: RunningApp) => {
    const before = new Map([started, ...cleaned].map((message) => [message, logCount(app, message)]));
    const client = await openRaw(port, readAtMost === undefined ? {} : { readAtMost });
    client.write(request);
    const startedLog = await loggedAgain(app, started, before.get(started) ?? 0);
    const seen = await meanwhile(client);
    client.destroy();
    const afterwards = [];
    for (const message of cleaned) afterwards.push(await loggedAgain(app, message, before.get(message) ?? 0));
    return { startedLog, seen, afterwards };
  };
}

async function streamCases(t: Test, twins: Twins, name: string) {
  await sameOnBoth(t, twins, `${name}: SSE stream abandoned after three events`, abandon(`GET /sse HTTP/1.1\r\n${HOST}\r\n`, 'sse opened', ['sse client left', 'sse cleaned up'], async (client) => {
    const three = await client.waitFor((received) => received.split('data: tick').length > 3);
    return { head: head(client.received()), threeEvents: three, first: /data: tick \d+/.exec(client.received())?.[0] };
  }));
  await sameOnBoth(t, twins, `${name}: long poll abandoned`, abandon(`GET /long-poll HTTP/1.1\r\n${HOST}\r\n`, 'long-poll waiting', ['long-poll client left', 'long-poll cleaned up'], async (client) => ({ receivedBeforeLeaving: client.received() })));
  await sameOnBoth(t, twins, `${name}: client gone before the headers`, abandon(`GET /slow HTTP/1.1\r\n${HOST}\r\n`, 'slow received', ['slow client left', 'slow timer fired'], async (client) => ({ receivedBeforeLeaving: client.received() })));
  const partialBody = Buffer.concat([Buffer.from(`POST /upload HTTP/1.1\r\n${HOST}Content-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n`), Buffer.alloc(10_000, 'u')]);
  await sameOnBoth(t, twins, `${name}: client gone in the middle of its request body`, abandon(partialBody, 'upload started', ['upload closed'], async (client) => ({ receivedBeforeLeaving: client.received() })));
  await sameOnBoth(t, twins, `${name}: client gone after the first chunk of a 25 MB answer`, abandon(`GET /big HTTP/1.1\r\n${HOST}\r\n`, 'big started', ['big ended'], async (client) => {
    const some = await client.waitFor((received) => received.length > head(received).length + 1000);
    return { head: head(client.received()), someBody: some };
  }, 64 * 1024)); // reading at most 64 KB: a client reading on while the test waits for the app's log line could drain all 25 MB (seen in CI, bare against bare too)
}

for (const [framework, name] of [['http', 'node:http'], ['express', 'Express 4'], ['fastify', 'Fastify 5']]) {
  t.test(`${name}: streams and slow answers abandoned by their clients`, async (t) => {
    const twins = await startTwins(t, fixture('hostile', 'streams.js'), { env: { FRAMEWORK: framework } });
    await streamCases(t, twins, name);
  });
}
