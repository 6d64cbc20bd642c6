// Incoming requests' server spans, made from node:http's diagnostics channels
// (sdk/http-server): names, routes, status, exceptions, aborted requests, bodies,
// keep-alive and pipelining, against a real Express app.
import { connect } from 'node:net';
import { Agent, request } from 'node:http';
import http2 from 'node:http2';
import t, { type Test } from 'tap';
import { type CollectedSpan, startReceiver } from '../../receiver/index.js';
import { fixture, get, registerPath, startApp, stop, until } from '../helpers/app.js';

async function expressApp(t: Test, env: Record<string, string> = {}) {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const app = await startApp(fixture('http-server', 'express-routes.js'), { env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl, ...env } });
  t.teardown(() => stop(app));
  const serverSpan = async (path: string) =>
    (await receiver.waitForSpans((all) => all.some((s) => s.kind === 'server' && s.attributes['url.path'] === path))).find(
      (s) => s.kind === 'server' && s.attributes['url.path'] === path,
    ) as CollectedSpan;
  return { receiver, app, serverSpan };
}

t.test('routes: nested routers and a mounted app give the whole route; middleware alone gives none', async (t) => {
  const { app, serverSpan } = await expressApp(t);
  for (const path of ['/api/v1/orders/42', '/admin/users/7', '/static/logo.png', '/nowhere']) await get(app.port, path);

  const order = await serverSpan('/api/v1/orders/42');
  t.equal(order.name, 'GET /api/v1/orders/:id');
  t.equal(order.attributes['http.route'], '/api/v1/orders/:id');
  const user = await serverSpan('/admin/users/7');
  t.equal(user.attributes['http.route'], '/admin/users/:uid', 'a mounted app');
  const asset = await serverSpan('/static/logo.png');
  t.equal(asset.name, 'GET', 'answered by middleware: the method alone');
  t.notOk('http.route' in asset.attributes, 'and no route, never a wildcard');
  const missing = await serverSpan('/nowhere');
  t.equal(missing.attributes['http.response.status_code'], 404);
  t.notOk('http.route' in missing.attributes, 'a 404 has no route');
  t.equal(missing.status.code, 'unset', '4xx is not a server error');
});

t.test('attributes as the stable HTTP semantic conventions name them', async (t) => {
  const { app, serverSpan } = await expressApp(t);
  await get(app.port, '/api/v1/orders/9?token=secret-value&page=2', { 'user-agent': 'tap-test/1.0' });
  const span = await serverSpan('/api/v1/orders/9');
  t.equal(span.kind, 'server');
  t.match(span.attributes, {
    'http.request.method': 'GET',
    'url.path': '/api/v1/orders/9',
    'url.query': 'token=REDACTED&page=2',
    'url.scheme': 'http',
    'server.address': '127.0.0.1',
    'server.port': app.port,
    'network.protocol.version': '1.1',
    'client.address': '127.0.0.1',
    'network.peer.address': '127.0.0.1',
    'user_agent.original': 'tap-test/1.0',
    'http.response.status_code': 200,
    'http.route': '/api/v1/orders/:id',
  });
  t.type(span.attributes['network.peer.port'], 'number');
  t.equal(span.scope.name, 'otel-preload/http-server');
});

t.test('an unknown method is _OTHER, its original kept, the span named HTTP', async (t) => {
  const { app, serverSpan } = await expressApp(t);
  await new Promise<void>((resolve) => {
    const req = request({ host: '127.0.0.1', port: app.port, path: '/plain', method: 'PURGE' }, (res) => res.resume().on('end', resolve));
    req.end();
  });
  const span = await serverSpan('/plain');
  t.equal(span.attributes['http.request.method'], '_OTHER');
  t.equal(span.attributes['http.request.method_original'], 'PURGE');
  t.equal(span.name, 'HTTP');
});

t.test('errors: a throw, next(err), an async rejection and an error middleware each leave an exception event; 5xx is an error, 4xx not', async (t) => {
  const { app, serverSpan } = await expressApp(t);
  t.equal((await get(app.port, '/throws')).status, 500);
  t.equal((await get(app.port, '/passes-error')).status, 502);
  t.equal((await get(app.port, '/rejects')).status, 500);
  t.equal((await get(app.port, '/handled/fails')).status, 503, 'the app still answers as it does without us');
  t.equal((await get(app.port, '/teapot')).status, 418);

  const cases = [
    ['/throws', 'Error', 'thrown in a handler', '500'],
    ['/passes-error', 'Error', 'passed to next', '502'],
    ['/rejects', 'TypeError', 'rejected in an async handler', '500'],
    ['/handled/fails', 'RangeError', 'handled by the error middleware', '503'],
  ] as const;
  for (const [path, type, message, status] of cases) {
    const span = await serverSpan(path);
    t.equal(span.status.code, 'error', `${path}: error status`);
    t.equal(span.attributes['error.type'], status, `${path}: error.type is the status code`);
    const exceptions = span.events.filter((e) => e.name === 'exception');
    t.equal(exceptions.length, 1, `${path}: one exception event`);
    t.equal(exceptions[0]?.attributes['exception.type'], type);
    t.equal(exceptions[0]?.attributes['exception.message'], message);
    t.match(String(exceptions[0]?.attributes['exception.stacktrace']), /express-routes\.js/, `${path}: with the stack`);
  }
  for (const [path, status, type, message] of [
    ['/throws-value', 500, 'Object', 'Object (not an Error) with keys: req, self'],
    ['/passes-value', 500, 'symbol', 'Symbol(passed to next)'],
    ['/rejects-value', 500, 'number', '42'],
  ] as const) {
    t.equal((await get(app.port, path)).status, status, `${path}: the app answers as it does without us`);
    const exceptions = (await serverSpan(path)).events.filter((e) => e.name === 'exception');
    t.same(exceptions.map((e) => [e.attributes['exception.type'], e.attributes['exception.message']]), [[type, message]], `${path}: a value that is not an Error is recorded, once`);
  }
  const teapot = await serverSpan('/teapot');
  t.equal(teapot.status.code, 'unset');
  t.notOk('error.type' in teapot.attributes);
  t.equal(teapot.events.length, 0);
});

/** POSTs the body 200 ms after the headers, as a slow client or a large upload does. */
function postLate(port: number, path: string, body: string, type = 'application/json'): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': type, 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.flushHeaders();
    setTimeout(() => req.end(body), 200);
  });
}

t.test('a body that arrives after the headers: the handler and its log line are still in the request\'s trace', async (t) => {
  const { app, serverSpan } = await expressApp(t);
  const body = JSON.stringify({ hello: 'world' });
  t.same(JSON.parse(await postLate(app.port, '/echo', body)), { hello: 'world' });
  t.same(JSON.parse(await postLate(app.port, '/upload', body, 'application/octet-stream')), { size: body.length });
  for (const [path, message] of [['/echo', 'body parsed'], ['/upload', 'upload read']] as const) {
    const span = await serverSpan(path);
    t.equal(span.name, `POST ${path}`);
    const line = app.jsonLines().find((l) => l['msg'] === message);
    t.equal(line?.['trace_id'], span.traceId, `${path}: the log line written once the body was read joins the trace`);
    t.equal(line?.['span_id'], span.spanId);
  }
});

/** Requests `path` and destroys the connection once `when` says so: after the first body bytes, or after `ms`. */
function leave(port: number, path: string, when: { afterFirstBytes: true } | { afterMs: number }): Promise<void> {
  return new Promise<void>((resolve) => {
    const req = request({ host: '127.0.0.1', port, path }, (res) => {
      res.once('data', () => {
        if ('afterFirstBytes' in when) req.destroy();
      });
      res.on('close', () => resolve());
    });
    req.on('error', () => resolve());
    if ('afterMs' in when) setTimeout(() => req.destroy(), when.afterMs);
    req.end();
  });
}

t.test('aborts (semantic conventions): who closed, and whether a status was sent, decide error.type; each span ends once', async (t) => {
  const { app, receiver, serverSpan } = await expressApp(t);
  await leave(app.port, '/slow', { afterFirstBytes: true });
  await leave(app.port, '/late', { afterMs: 200 });
  await leave(app.port, '/server-destroys', { afterMs: 5000 });
  await leave(app.port, '/server-cuts', { afterMs: 5000 });

  const streamLeft = await serverSpan('/slow');
  t.equal(streamLeft.attributes['http.response.status_code'], 200, 'the status that was sent');
  t.notOk('error.type' in streamLeft.attributes, 'the client leaving a 200 under way is not a server error');
  t.equal(streamLeft.status.code, 'unset');

  const leftEarly = await serverSpan('/late');
  t.equal(leftEarly.attributes['error.type'], 'aborted', 'the client left before the status was sent');
  t.notOk('http.response.status_code' in leftEarly.attributes);
  t.equal(leftEarly.status.code, 'error');
  t.match(leftEarly.status.message, /client closed/);

  for (const path of ['/server-destroys', '/server-cuts']) {
    const span = await serverSpan(path);
    t.equal(span.attributes['error.type'], 'destroyed', `${path}: the server closed it`);
    t.equal(span.status.code, 'error');
    t.match(span.status.message, /server closed/, `${path}: not described as the client's doing`);
    t.notMatch(span.status.message, /client/);
  }
  t.equal(receiver.spans.find((s) => s.attributes['url.path'] === '/server-cuts')?.attributes['http.response.status_code'], 200);

  await new Promise((resolve) => setTimeout(resolve, 2000)); // past the app's own end of the responses
  for (const path of ['/slow', '/late']) t.equal(receiver.spans.filter((s) => s.attributes['url.path'] === path).length, 1, `${path}: ended once`);
  t.equal((await get(app.port, '/plain')).status, 200, 'the app serves on');
});

t.test("the app's 'close' and 'finish' listeners run in the request's trace: a stream's cleanup logs with its trace_id", async (t) => {
  const { app, serverSpan } = await expressApp(t);
  await leave(app.port, '/events', { afterFirstBytes: true });
  const span = await serverSpan('/events');
  const lines = await until('the cleanup lines', () => {
    const found = ['events: request closed', 'events: response closed'].map((msg) => app.jsonLines().find((l) => l['msg'] === msg));
    return found.every((line) => line !== undefined) && (found);
  }, 10_000);
  for (const line of lines) t.equal(line['trace_id'], span.traceId, `${String(line['msg'])}: in the request's trace`);
});

t.test('keep-alive and pipelining: each request its own span and trace, in order', async (t) => {
  const { app, receiver } = await expressApp(t);
  const traces = ['11', '22', '33', '44'].map((n) => n.repeat(16));
  const raw = traces.map((id, i) => `GET /api/v1/orders/${i} HTTP/1.1\r\nHost: 127.0.0.1\r\ntraceparent: 00-${id}-00f067aa0ba902b7-01\r\n\r\n`).join('');
  await new Promise<void>((resolve, reject) => {
    const socket = connect(app.port, '127.0.0.1', () => socket.write(raw)); // all four in one write: pipelined
    let seen = '';
    socket.on('data', (chunk) => {
      seen += chunk.toString();
      if ((seen.match(/HTTP\/1\.1 200/g) ?? []).length === 4) {
        socket.end();
        resolve();
      }
    });
    socket.on('error', reject);
  });
  const spans = await receiver.waitForSpans((all) => all.filter((s) => s.kind === 'server').length >= 4);
  for (const [i, id] of traces.entries()) {
    const span = spans.find((s) => s.kind === 'server' && s.attributes['url.path'] === `/api/v1/orders/${i}`);
    t.equal(span?.traceId, id, `request ${i} continues its own caller's trace`);
    const line = app.jsonLines().find((l) => l['msg'] === 'order read' && l['order'] === String(i));
    t.equal(line?.['trace_id'], id, `request ${i}'s log line is in its own trace`);
  }
});

t.test('ignored paths, redacted query values and captured headers keep working', async (t) => {
  const { app, receiver, serverSpan } = await expressApp(t, {
    OTEL_PRELOAD_IGNORE_PATHS: '/static/*',
    OTEL_PRELOAD_REDACTED_QUERY_PARAMS: 'page',
    OTEL_PRELOAD_HTTP_CAPTURE_HEADERS: 'x-request-id,authorization,content-type',
  });
  await get(app.port, '/static/a.css');
  await get(app.port, '/api/v1/orders/1?page=3&token=kept', { 'x-request-id': 'req-1', authorization: 'Bearer secret' });
  const span = await serverSpan('/api/v1/orders/1');
  t.equal(span.attributes['url.query'], 'page=REDACTED&token=kept');
  t.same(span.attributes['http.request.header.x-request-id'], ['req-1']);
  t.notOk('http.request.header.authorization' in span.attributes, 'never the Authorization header');
  t.match(span.attributes['http.response.header.content-type'], [/application\/json/]);
  t.notOk(receiver.spans.some((s) => String(s.attributes['url.path']).startsWith('/static')), 'an ignored path makes no span');
});

t.test('OTEL_PRELOAD_EXPRESS_LAYERS=request_handler brings back the Express handler spans', async (t) => {
  const { app, receiver } = await expressApp(t, { OTEL_PRELOAD_EXPRESS_LAYERS: 'request_handler' });
  await get(app.port, '/api/v1/orders/5');
  const spans = await receiver.waitForSpans((all) => all.some((s) => s.kind === 'server') && all.some((s) => s.attributes['express.type'] === 'request_handler'));
  const server = spans.find((s) => s.kind === 'server') as CollectedSpan;
  const handler = spans.find((s) => s.attributes['express.type'] === 'request_handler') as CollectedSpan;
  t.equal(handler.parentSpanId, server.spanId);
  t.equal(server.attributes['http.route'], '/api/v1/orders/:id');
});

t.test('OTEL_PRELOAD_HTTP_SERVER_SPANS=instrumentation-http switches back to the upstream server spans', async (t) => {
  const { app, receiver } = await expressApp(t, { OTEL_PRELOAD_HTTP_SERVER_SPANS: 'instrumentation-http' });
  await get(app.port, '/api/v1/orders/6');
  const spans = await receiver.waitForSpans((all) => all.some((s) => s.kind === 'server') && all.some((s) => s.attributes['express.type'] === 'request_handler'));
  const server = spans.find((s) => s.kind === 'server') as CollectedSpan;
  t.equal(server.scope.name, '@opentelemetry/instrumentation-http');
  t.equal(server.name, 'GET /api/v1/orders/:id');
});

t.test('hundreds of concurrent requests on shared keep-alive sockets: every log line and child span in its own request\'s trace, inside its window', async (t) => {
  const { app, receiver } = await expressApp(t, { OTEL_BSP_MAX_QUEUE_SIZE: '8192', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '1024' });
  const { Agent } = await import('node:http');
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  t.teardown(() => agent.destroy());
  const count = 300;
  const traceOf = (n: number) => `f${n.toString(16).padStart(31, '0')}`;
  await Promise.all(
    Array.from({ length: count }, (_, n) =>
      new Promise<void>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: app.port, path: `/work/${n}`, agent, headers: { traceparent: `00-${traceOf(n)}-00f067aa0ba902b7-01` } }, (res) => res.resume().on('end', () => resolve()));
        req.on('error', reject);
        req.end();
      }),
    ),
  );
  // Per request: its server span, the client span of its call out, and the callee's server span.
  const spans = await receiver.waitForSpans((all) => all.length >= count * 3, 60_000);
  // The app's stdout reaches us through a pipe, apart from its answers: on a busy machine its last lines can trail them.
  const logged = () => app.jsonLines().filter((l) => l['msg'] === 'worked').length;
  await until('every log line read', () => logged() >= count, 10_000).catch(() => undefined);
  const misplaced: string[] = [];
  const outside: string[] = [];
  for (let n = 0; n < count; n++) {
    const trace = spans.filter((s) => s.traceId === traceOf(n));
    const server = trace.find((s) => s.kind === 'server' && s.attributes['url.path'] === `/work/${n}`);
    const client = trace.find((s) => s.kind === 'client');
    if (!server || !client || client.parentSpanId !== server.spanId) misplaced.push(`${n}: ${trace.map((s) => `${s.kind} ${s.name}`).join(', ')}`);
    // The callee's server span has a remote parent, dated on a clock of its own: only our children are held to the window.
    for (const child of trace.filter((s) => server && s.parentSpanId === server.spanId)) {
      if (server && (child.startTimeUnixNano < server.startTimeUnixNano || child.endTimeUnixNano > server.endTimeUnixNano)) outside.push(`${n}: ${child.name}`);
    }
    for (const line of app.jsonLines().filter((l) => l['n'] === String(n))) {
      if (line['trace_id'] !== traceOf(n) || line['span_id'] !== server?.spanId) misplaced.push(`${n}: log line ${String(line['msg'])} in ${String(line['trace_id'])}/${String(line['span_id'])}`);
    }
  }
  t.equal(logged(), count, 'every request logged');
  t.same(misplaced.slice(0, 5), [], 'no log line or child span in a neighbour\'s trace');
  t.same(outside.slice(0, 5), [], 'every child starts and ends inside its server span');
});

t.test('an https server gets its spans too, with url.scheme https', async (t) => {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const app = await startApp(fixture('http-server', 'https-and-worker.js'), { env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl } });
  t.teardown(() => stop(app));
  t.equal(await getHttps(app.port, '/secure?x=1'), 'secure');
  const spans = await receiver.waitForSpans((all) => all.some((s) => s.kind === 'server'));
  const span = spans.find((s) => s.kind === 'server') as CollectedSpan;
  t.equal(span.attributes['url.scheme'], 'https');
  t.equal(span.attributes['server.port'], app.port);
  t.equal(span.attributes['url.path'], '/secure');
});

t.test('a server in a worker thread answers as without us and makes no spans', async (t) => {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const app = await startApp(fixture('http-server', 'https-and-worker.js'), { env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl } });
  t.teardown(() => stop(app));
  const line = await new Promise<Record<string, unknown>>((resolve) => {
    const check = setInterval(() => {
      const found = app.jsonLines().find((l) => typeof l['workerPort'] === 'number');
      if (found) {
        clearInterval(check);
        resolve(found);
      }
    }, 50);
  });
  const response = await get(line['workerPort'] as number, '/in-worker');
  t.equal(response.body, 'from the worker');
  await getHttps(app.port, '/main-marker');
  await receiver.waitForSpans((all) => all.some((s) => s.attributes['url.path'] === '/main-marker'));
  t.notOk(receiver.spans.some((s) => s.attributes['url.path'] === '/in-worker'), 'the worker is not traced');
});

/** GET over https from the fixture's self-signed server. */
async function getHttps(port: number, path: string): Promise<string> {
  const https = await import('node:https');
  return new Promise<string>((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port, path, rejectUnauthorized: false }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve(text));
      })
      .on('error', reject);
  });
}

t.test('node:http2: a SERVER span per stream, through the compatibility API and the stream event, log lines joined', async (t) => {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const app = await startApp(fixture('http-server', 'http2.js'), { env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl } });
  t.teardown(() => stop(app));
  const session = http2.connect(`http://127.0.0.1:${app.port}`);
  t.teardown(() => session.close());
  const fetch2 = (path: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const stream = session.request({ ':path': path, 'user-agent': 'h2-test/1.0' });
      let status = 0;
      let body = '';
      stream.on('response', (headers) => (status = Number(headers[':status'])));
      stream.on('data', (chunk: Buffer) => (body += chunk.toString()));
      stream.on('end', () => resolve({ status, body }));
      stream.on('error', reject);
      stream.end();
    });
  t.same(await fetch2('/compat/orders?id=3'), { status: 200, body: 'from compat' });
  t.same(await fetch2('/stream/orders'), { status: 200, body: 'from a stream' });
  t.same(await fetch2('/stream/down'), { status: 503, body: 'from a stream' });
  const spans = await receiver.waitForSpans((all) => all.filter((s) => s.kind === 'server').length === 3);
  const byPath = (path: string) => spans.find((s) => s.kind === 'server' && s.attributes['url.path'] === path) as CollectedSpan;
  const compat = byPath('/compat/orders');
  t.equal(compat.name, 'GET');
  t.match(compat.attributes, { 'http.request.method': 'GET', 'url.scheme': 'http', 'url.query': 'id=3', 'network.protocol.version': '2', 'http.response.status_code': 200, 'server.address': '127.0.0.1', 'server.port': app.port, 'user_agent.original': 'h2-test/1.0' });
  t.equal(byPath('/stream/orders').attributes['http.response.status_code'], 200);
  const down = byPath('/stream/down');
  t.equal(down.attributes['error.type'], '503');
  t.equal(down.status.code, 'error');
  const lines = await until('the log lines', () => {
    const found = ['compat answered', 'stream answered'].map((msg) => app.jsonLines().find((l) => l['msg'] === msg));
    return found.every((line) => line !== undefined) && (found);
  }, 10_000);
  t.equal(lines[0]?.['trace_id'], compat.traceId, 'a log line in the compat handler joins its trace');
  t.equal(lines[1]?.['trace_id'], byPath(String(lines[1]?.['path'])).traceId, "a log line in the 'stream' listener joins its trace");
});

t.test('an idle keep-alive connection keeps no ended span alive', async (t) => {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const app = await startApp(fixture('http-server', 'idle-keep-alive.js'), { nodeArgs: ['--expose-gc', '--import', registerPath], env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl } });
  t.teardown(() => stop(app));
  const agent = new Agent({ keepAlive: true });
  t.teardown(() => agent.destroy());
  await new Promise<void>((resolve, reject) => {
    request({ host: '127.0.0.1', port: app.port, path: '/answer', agent }, (res) => res.resume().on('end', resolve)).on('error', reject).end();
  });
  await receiver.waitForSpans((all) => all.some((s) => s.attributes['url.path'] === '/answer'));
  await new Promise((resolve) => setTimeout(resolve, 300)); // the export settled
  t.equal(Object.values(agent.freeSockets).flat().length, 1, 'the connection idles, open');
  const probe = await get(app.port, '/probe');
  t.same(JSON.parse(probe.body), { spanAlive: false }, 'the ended span was collected');
});
