import t from 'tap';
import { configFromEnv } from '../../config/index.js';
import { redactUrl, startupLine } from '../../sdk/diag.js';

const facts = { appPackage: { name: 'orders', version: '1.0.0', path: '/x' }, inContainer: false, randomId: 'r' };

t.test('the start-up line says what we do and leaks no secret', async (t) => {
  const { config } = configFromEnv(
    {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://user:hunter2@otlp.example.com:4317',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Basic%20c2VjcmV0,x-scope-orgid=tenant-secret',
    },
    facts,
  );
  const line = startupLine(config, '1.2.3');
  t.match(line, 'v1.2.3 tracing service "orders"');
  t.match(line, 'otlp grpc https://REDACTED:REDACTED@otlp.example.com:4317');
  t.match(line, 'headers authorization=REDACTED,x-scope-orgid=REDACTED');
  t.match(line, 'instrumentations auto;', 'no list: each activates when the app loads its module');
  for (const secret of ['hunter2', 'c2VjcmV0', 'Basic', 'tenant-secret']) t.notMatch(line, secret, `no ${secret}`);
});

t.test('a list the user gave is named as given', async (t) => {
  const { config } = configFromEnv({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,koa,fs' }, facts);
  t.match(startupLine(config, '1.2.3'), 'instrumentations http,koa,fs;');
});

t.test('redactUrl keeps URLs without credentials as they are', async (t) => {
  t.equal(redactUrl('http://localhost:4317'), 'http://localhost:4317');
  t.equal(redactUrl('http://token@host/'), 'http://REDACTED@host/');
  t.equal(redactUrl('not a url'), 'not a url');
});
