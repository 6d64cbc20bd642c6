// Nothing sensitive leaves the process (issue 7), end to end: the task-manager example
// under the built preload, against the real PostgreSQL and Kafka. Fresh random secrets
// go in through every channel a user of the example could leak them by: sensitive query
// parameters on its routes; Authorization, Cookie and Proxy-Authorization headers;
// credentials and a token in the URL the worker calls out to (and a Set-Cookie in the
// answer); personal data in the body that becomes SQL parameters; a SQL parameter that
// PostgreSQL rejects; a Kafka message's key and value. Each request carries the client's
// own traceparent, so its whole trace is read back from the backend (the receiver, and
// Jaeger's query API) once every expected span is there, and searched for the
// secrets: raw, percent-encoded and base64. The places where they were redacted must be
// there, so that recording nothing cannot pass. Run with default settings (API server
// and worker process), and with the user asking to capture headers, Authorization and
// Cookie among them (consumer in the server process).
import { randomBytes } from 'node:crypto';
import { createServer, request } from 'node:http';
import { join } from 'node:path';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import t, { type Test } from 'tap';
import type { CollectedSpan } from '../../receiver/index.js';
import { repoRoot, type RunningApp, startApp, stop, until } from '../helpers/app.js';
import { BACKENDS, type Backend, openBackend } from './backends.js';
import { requireServices, type Services } from './services.js';

const example = (file: string) => join(repoRoot, 'examples', 'task-manager', file);
const base64 = (text: string) => Buffer.from(text).toString('base64');
const serialised = (spans: CollectedSpan[]) => JSON.stringify(spans, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));

const isDb = (s: CollectedSpan) => (s.attributes['db.system.name'] ?? s.attributes['db.system']) === 'postgresql';
const statement = (s: CollectedSpan): string => {
  const text = s.attributes['db.query.text'] ?? s.attributes['db.statement'];
  return typeof text === 'string' ? text : '';
};
const isHttpClient = (s: CollectedSpan) => s.kind === 'client' && s.attributes['url.full'] !== undefined;
const serverSpan = (spans: CollectedSpan[], route: string) => spans.find((s) => s.kind === 'server' && s.attributes['http.route'] === route);

/**
 * The secrets of one run. Each has a random 16-hex-digit core that no encoding changes
 * (percent-encoding, form-encoding, JSON), so finding the core finds every such form;
 * base64 forms (Basic credentials) are listed whole.
 */
class Secrets {
  readonly needles: { channel: string; needle: string }[] = [];

  /** A new secret for the channel; `shape` builds its value around the core. */
  make(channel: string, shape: (core: string) => string = (core) => `s3cret-${core}`): string {
    const core = randomBytes(8).toString('hex');
    const value = shape(core);
    this.needles.push({ channel, needle: core }, { channel, needle: base64(value) });
    return value;
  }

  /** Another form in which a secret travels (e.g. base64 of `user:password`). */
  alsoAs(channel: string, form: string): void {
    this.needles.push({ channel, needle: form });
  }

  get channels(): string[] {
    return [...new Set(this.needles.map((n) => n.channel))];
  }

  /** The channels whose secret appears in the text, in any known form. */
  foundIn(text: string): string[] {
    return [...new Set(this.needles.filter(({ needle }) => text.includes(needle)).map((n) => n.channel))];
  }
}

interface Answer {
  status: number;
  body: string;
}

/** node:http rather than fetch: fetch would drop or refuse some of these headers. */
function call(port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A W3C traceparent of the test's own, so that the trace id is known before the request. */
function newTrace(): { traceId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  return { traceId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
}

interface CrawlRequest {
  url: string;
  authorization: string | undefined;
  body: string;
}

/** The crawl target the worker calls: answers 200, with a session cookie and a request id. */
async function startCrawlTarget(t: Test, setCookie: string, requestId: string): Promise<{ port: number; received: CrawlRequest[] }> {
  const received: CrawlRequest[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ url: req.url ?? '', authorization: req.headers.authorization, body });
      res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': `session=${setCookie}; HttpOnly`, 'x-request-id': requestId });
      res.end('{"title":"crawled"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  }));
  return { port: (server.address() as { port: number }).port, received };
}

interface Mode {
  name: string;
  env: Record<string, string>;
  /** The consumer as its own process (worker.js), or in the server process. */
  workerProcess: boolean;
}

const CAPTURE = 'authorization,cookie,x-request-id,user-agent';
const MODES: Mode[] = [
  { name: 'default settings; API server and worker process', env: {}, workerProcess: true },
  { name: `OTEL_PRELOAD_HTTP_CAPTURE_HEADERS=${CAPTURE}; consumer in the server process`, env: { OTEL_PRELOAD_HTTP_CAPTURE_HEADERS: CAPTURE }, workerProcess: false },
];

async function startExample(t: Test, services: Services, backend: Backend, mode: Mode, crawlTargetUrl: string): Promise<{ server: RunningApp; topic: string; workerService: string }> {
  const run = randomBytes(4).toString('hex');
  const topic = `secrets-${run}`;
  const env = {
    DATABASE_URL: services.databaseUrl,
    KAFKA_BROKERS: services.kafkaBrokers,
    KAFKA_TOPIC: topic,
    KAFKA_GROUP_ID: `secrets-${run}`,
    CRAWL_TARGET_URL: crawlTargetUrl,
    OTEL_EXPORTER_OTLP_ENDPOINT: backend.endpoint,
    OTEL_BSP_SCHEDULE_DELAY: '200',
    ...mode.env,
  };
  if (mode.workerProcess) {
    const worker = await startApp(example('worker.js'), { waitForPort: false, env: { ...env, OTEL_SERVICE_NAME: 'task-worker' } });
    t.teardown(() => stop(worker));
    await until('the worker to join its group', () => worker.jsonLines().find((line) => line['msg'] === 'worker started'), 60_000).catch((error: Error) => {
      throw new Error(`${error.message}\nworker stdout:\n${worker.stdout()}\nworker stderr:\n${worker.stderr()}`);
    });
  }
  // In-process, the server logs "listening" (its port) only once the consumer has joined.
  const server = await startApp(example('server.js'), { env: { ...env, PORT: '0', WORKER_MODE: mode.workerProcess ? 'off' : 'in-process' } });
  t.teardown(() => stop(server));
  return { server, topic, workerService: mode.workerProcess ? 'task-worker' : 'task-manager' };
}

async function scenario(t: Test, services: Services, backend: Backend, mode: Mode): Promise<void> {
  const capturing = mode.env['OTEL_PRELOAD_HTTP_CAPTURE_HEADERS'] !== undefined;
  const secrets = new Secrets();
  const requestId = `req-${randomBytes(6).toString('hex')}`;
  const crawlRequestId = `crawl-${randomBytes(6).toString('hex')}`;

  // Headers on every request to the API.
  const bearer = secrets.make('Authorization: Bearer');
  const sessionCookie = secrets.make('Cookie', (core) => `s:${core}.sig+/=`);
  const proxyPassword = secrets.make('Proxy-Authorization');
  const proxyCredentials = base64(`proxy-user:${proxyPassword}`);
  secrets.alsoAs('Proxy-Authorization', proxyCredentials);
  const headers = {
    authorization: `Bearer ${bearer}`,
    cookie: `session=${encodeURIComponent(sessionCookie)}; theme=dark`,
    'proxy-authorization': `Basic ${proxyCredentials}`,
    'x-request-id': requestId,
    'user-agent': 'secrets-e2e/1.0',
  };

  // The URL the worker calls out to: credentials and a token; a session cookie in the answer.
  const crawlPassword = secrets.make('crawl URL password', (core) => `p@ss:${core}/w0rd`);
  // Basic credentials from a URL: Node sends the password as the URL holds it, percent-encoded.
  const crawlCredentials = [base64(`crawler:${crawlPassword}`), base64(`crawler:${encodeURIComponent(crawlPassword)}`)];
  for (const form of crawlCredentials) secrets.alsoAs('crawl URL password', form);
  const crawlToken = secrets.make('crawl URL ?token=');
  const crawlSetCookie = secrets.make('crawl target Set-Cookie');
  const crawlTarget = await startCrawlTarget(t, crawlSetCookie, crawlRequestId);
  const crawlTargetUrl = `http://crawler:${encodeURIComponent(crawlPassword)}@127.0.0.1:${crawlTarget.port}/hooks?token=${crawlToken}&page=3`;

  // The body: personal data that becomes SQL parameters, and travels on to the crawl target.
  const task = {
    userEmail: secrets.make('userEmail (SQL parameter)', (core) => `ada.${core}@example.org`),
    baseUrl: `https://owner:${secrets.make('baseUrl password (SQL parameter)')}@${secrets.make('baseUrl host (SQL parameter)', (core) => `h${core}`)}.example.net/docs?token=${secrets.make('baseUrl ?token= (SQL parameter)')}`,
    userQuery: secrets.make('userQuery (SQL parameter)', (core) => `salary of ${core}`),
  };

  // Sensitive query parameters on the routes, with a harmless one that must stay.
  const q = (names: string[], page: number) => {
    const values = names.map((name) => [name, secrets.make(`?${name}=`, (core) => (name === 'password' ? `p@ss w0rd/${core}+=` : `${name}-${core}`))]);
    return { query: `${values.map(([name, value]) => `${name}=${encodeURIComponent(value ?? '')}`).join('&')}&page=${page}`, redacted: `${names.map((name) => `${name}=REDACTED`).join('&')}&page=${page}` };
  };
  const postQuery = q(['access_token', 'api_key'], 1);
  const getQuery = q(['token', 'password', 'sig', 'code'], 2);
  const metricsQuery = q(['secret', 'key', 'session', 'jwt'], 3);
  const failQuery = q(['auth'], 4);
  // An id PostgreSQL rejects ("value "…" is out of range for type integer"): the path holds
  // it, so it may be on the server span, but no database span may quote it.
  const badId = `9${randomBytes(8).readBigUInt64BE().toString().padStart(20, '0').slice(0, 14)}`;

  const kafkaKey = secrets.make('Kafka message key');
  const kafkaValue = JSON.stringify({ note: secrets.make('Kafka message value') });

  const stack = await startExample(t, services, backend, mode, crawlTargetUrl);
  const port = stack.server.port;
  const traces: { label: string; traceId: string; complete: (spans: CollectedSpan[]) => boolean; check: (spans: CollectedSpan[]) => void }[] = [];

  // 1. POST /api/tasks: HTTP → INSERT → Kafka send → process → UPDATE, HTTP call out, UPDATE.
  const post = newTrace();
  const created = await call(port, 'POST', `/api/tasks?${postQuery.query}`, { ...headers, traceparent: post.traceparent }, JSON.stringify(task));
  t.equal(created.status, 201, `POST /api/tasks answered 201: ${created.body}`);
  const taskId = (JSON.parse(created.body) as { id: number }).id;
  const finished = await until('the worker to finish the task', async () => {
    const current = JSON.parse((await call(port, 'GET', `/api/tasks/${taskId}`, {})).body) as { status: string; error: string | null };
    return current.status === 'done' || current.status === 'failed' ? current : undefined;
  });
  t.equal(finished.status, 'done', `the task was crawled (${finished.error ?? 'no error'})`);
  t.equal(crawlTarget.received.length, 1, 'the worker called the crawl target once');
  const crawled = crawlTarget.received[0];
  // The secrets really travelled: the test cannot pass because a channel was never used.
  t.ok(crawlCredentials.some((form) => crawled?.authorization === `Basic ${form}`), 'the crawl URL credentials went out as Basic credentials');
  t.equal(crawled?.url, `/hooks/crawl?token=${crawlToken}&page=3`, 'the crawl URL token went out');
  t.same(JSON.parse(crawled?.body ?? '{}'), { id: taskId, url: new URL(task.baseUrl).href, q: task.userQuery }, 'the body data went out to the crawl target');
  traces.push({
    label: 'POST /api/tasks',
    traceId: post.traceId,
    complete: (all) =>
      serverSpan(all, '/api/tasks') !== undefined &&
      all.some((s) => isDb(s) && /^INSERT/i.test(statement(s))) &&
      all.some((s) => s.kind === 'producer') &&
      all.some((s) => s.kind === 'consumer') &&
      all.filter((s) => isDb(s) && /^UPDATE/i.test(statement(s))).length >= 2 &&
      all.some(isHttpClient),
    check: (spans) => {
      const server = serverSpan(spans, '/api/tasks');
      t.equal(server?.attributes['url.query'], postQuery.redacted, 'server span: url.query with the sensitive values REDACTED');
      const insert = spans.find((s) => isDb(s) && /^INSERT/i.test(statement(s)));
      t.match(statement(insert as CollectedSpan), /VALUES \(\$1, \$2, \$3\)/, 'the INSERT is recorded with its $1, $2, $3 placeholders');
      const updates = spans.filter((s) => isDb(s) && /^UPDATE/i.test(statement(s)));
      t.ok(updates.every((s) => statement(s).includes('$1')), 'the UPDATEs are recorded with their placeholders');
      t.ok(updates.some((s) => statement(s).includes('$2::jsonb')), 'the result UPDATE too ($2::jsonb)');
      t.equal(updates[0]?.resource['service.name'], stack.workerService, `the UPDATEs come from ${stack.workerService}`);
      const producer = spans.find((s) => s.kind === 'producer');
      t.equal(producer?.attributes['messaging.destination.name'], stack.topic, 'the Kafka send span');
      t.notOk(Object.keys(producer?.attributes ?? {}).some((key) => /message[._]key/.test(key)), 'without the message key (the task id)');
      const client = spans.find(isHttpClient);
      t.equal(
        client?.attributes['url.full'],
        `http://REDACTED:REDACTED@127.0.0.1:${crawlTarget.port}/hooks/crawl?token=REDACTED&page=3`,
        'outgoing call: url.full with the credentials and the token REDACTED',
      );
      t.equal(client?.attributes['http.response.status_code'], 200);
      t.same(client?.attributes['http.response.header.x-request-id'], capturing ? [crawlRequestId] : undefined, capturing ? 'outgoing call: the x-request-id answer header is captured' : 'outgoing call: no header captured');
    },
  });

  // 2. GET /api/tasks/:id: a SELECT with the id as parameter.
  const get = newTrace();
  t.equal((await call(port, 'GET', `/api/tasks/${taskId}?${getQuery.query}`, { ...headers, traceparent: get.traceparent })).status, 200, 'GET /api/tasks/:id answered 200');
  traces.push({
    label: 'GET /api/tasks/:id',
    traceId: get.traceId,
    complete: (all) => serverSpan(all, '/api/tasks/:id') !== undefined && all.some((s) => isDb(s) && /^SELECT/i.test(statement(s))),
    check: (spans) => {
      t.equal(serverSpan(spans, '/api/tasks/:id')?.attributes['url.query'], getQuery.redacted, 'server span: url.query with the sensitive values REDACTED (percent-encoded ones too)');
      t.equal(statement(spans.find((s) => isDb(s) && statement(s) !== '') as CollectedSpan), 'SELECT * FROM web_crawl_tasks WHERE id = $1', 'the SELECT with its placeholder');
    },
  });

  // 3. GET /api/metrics: an aggregate with the hours as parameter.
  const metrics = newTrace();
  t.equal((await call(port, 'GET', `/api/metrics?hours=24&${metricsQuery.query}`, { ...headers, traceparent: metrics.traceparent })).status, 200, 'GET /api/metrics answered 200');
  traces.push({
    label: 'GET /api/metrics',
    traceId: metrics.traceId,
    complete: (all) => serverSpan(all, '/api/metrics') !== undefined && all.some(isDb),
    check: (spans) => {
      t.equal(serverSpan(spans, '/api/metrics')?.attributes['url.query'], `hours=24&${metricsQuery.redacted}`, 'server span: url.query with the sensitive values REDACTED, hours kept');
      t.match(statement(spans.find((s) => isDb(s) && statement(s) !== '') as CollectedSpan), /make_interval\(hours => \$1::int\)/, 'the aggregate with its placeholder');
    },
  });

  // 4. GET /api/tasks/<id out of range>: PostgreSQL quotes the parameter in its error.
  const failing = newTrace();
  t.equal((await call(port, 'GET', `/api/tasks/${badId}?${failQuery.query}`, { ...headers, traceparent: failing.traceparent })).status, 500, 'an id out of range answers 500');
  traces.push({
    label: 'GET /api/tasks/<out of range>',
    traceId: failing.traceId,
    complete: (all) => serverSpan(all, '/api/tasks/:id') !== undefined && all.some((s) => isDb(s) && s.status.code === 'error'),
    check: (spans) => {
      t.equal(serverSpan(spans, '/api/tasks/:id')?.attributes['url.query'], failQuery.redacted, 'server span: url.query REDACTED');
      const failed = spans.find((s) => isDb(s) && s.status.code === 'error') as CollectedSpan;
      t.match(failed.status.message, /out of range/, 'the failed query span says why');
      t.notOk(serialised(spans.filter(isDb)).includes(badId), 'no database span quotes the rejected parameter value');
      // Here the value is in the path anyway; in an app that passes a body value to SQL it is not.
      const server = serverSpan(spans, '/api/tasks/:id');
      t.ok(server?.events.some((e) => e.name === 'exception'), 'the server span records the exception');
      // The value is in its url.path (the request's own path); what the error recorded must not add it again.
      t.notOk(JSON.stringify(server ? { status: server.status, events: server.events } : {}, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value)).includes(badId), 'the server span\'s status and exception (message, stack) do not quote it either');
    },
  });

  // 5. A Kafka message with a secret key and value, consumed (and skipped as invalid) by the example's consumer.
  const message = newTrace();
  const kafka = new Kafka({ clientId: 'secrets-test', brokers: services.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    await producer.send({ topic: stack.topic, acks: -1, messages: [{ key: kafkaKey, value: kafkaValue, headers: { traceparent: message.traceparent } }] });
  } finally {
    await producer.disconnect();
  }
  traces.push({
    label: 'Kafka message with a secret key and value',
    traceId: message.traceId,
    complete: (all) => all.some((s) => s.kind === 'consumer'),
    check: (spans) => {
      const process = spans.find((s) => s.kind === 'consumer');
      t.equal(process?.attributes['messaging.destination.name'], stack.topic, 'the process span of the message');
      t.notOk(Object.keys(process?.attributes ?? {}).some((key) => /message[._]key/.test(key)), 'no message key attribute');
    },
  });

  // Every channel was used, in a form the search below would find.
  const sent = JSON.stringify([headers, postQuery, getQuery, metricsQuery, failQuery, task, crawlTargetUrl, crawled, crawlSetCookie, kafkaKey, kafkaValue]);
  t.same(secrets.foundIn(sent).sort(), secrets.channels.sort(), `all ${secrets.channels.length} channels carried their secret`);

  for (const trace of traces) {
    await t.test(trace.label, async (t) => {
      const spans = await backend.trace(trace.traceId, trace.complete);
      const whole = serialised(spans);
      t.same(secrets.foundIn(whole), [], `none of the ${secrets.channels.length} secrets appears anywhere in the ${spans.length} spans (attributes, events, links, resource, status)`);
      t.notOk(/authorization|cookie/i.test(whole), 'no Authorization, Cookie, Set-Cookie or Proxy-Authorization anywhere');
      const servers = spans.filter((s) => s.kind === 'server');
      if (capturing) {
        t.ok(servers.every((s) => String(s.attributes['http.request.header.x-request-id']) === requestId), 'the x-request-id asked for is captured');
        t.ok(servers.every((s) => String(s.attributes['http.request.header.user-agent']) === 'secrets-e2e/1.0'), 'so is the user-agent');
      } else {
        t.notOk(whole.includes(requestId), 'no header is captured by default (not even x-request-id)');
        t.notOk(spans.some((s) => Object.keys(s.attributes).some((key) => key.startsWith('http.request.header.') || key.startsWith('http.response.header.'))), 'no http.*.header.* attribute');
      }
      trace.check(spans);
    });
  }
  if (capturing) t.match(stack.server.stderr(), /"authorization", "cookie".*never recorded/, 'the user is told Authorization and Cookie are never recorded');
}

for (const backendName of BACKENDS) t.test(`secrets sent through the task-manager example appear nowhere in its traces [${backendName}]`, async (t) => {
  const backend = await openBackend(t, backendName);
  const services = await requireServices();
  for (const mode of MODES) await t.test(mode.name, (t) => scenario(t, services, backend, mode));
});
