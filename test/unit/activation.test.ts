// Activation's bookkeeping: once per name, one warning for a package that cannot load, never a throw.
import type { Instrumentation } from '@opentelemetry/instrumentation';
import t from 'tap';
import { Activation, isOwnCode, packageOf } from '../../sdk/instrument/activation.js';

function activation(create: (name: string) => Instrumentation | undefined) {
  const warnings: string[] = [];
  const debug: string[] = [];
  const registered: Instrumentation[] = [];
  const subject = new Activation(['koa', 'pg', 'redis'], create, (i) => registered.push(i), { warn: (m) => warnings.push(m), debug: (m) => debug.push(m) });
  return { subject, warnings, debug, registered };
}

t.test('each name is created once, on the first load of any of its modules', async (t) => {
  const created: string[] = [];
  const { subject, debug, registered } = activation((name) => {
    created.push(name);
    return { instrumentationName: name } as unknown as Instrumentation;
  });
  t.same(subject.moduleNames.sort(), ['@node-redis/client', '@redis/client', 'koa', 'pg', 'pg-pool', 'redis']);
  t.equal(subject.activate('express'), false, 'a name not enabled: nothing');
  t.equal(subject.activate('pg-pool'), true, 'pg on pg-pool');
  t.equal(subject.activate('pg'), false, 'not twice');
  t.equal(subject.activate('@redis/client'), true);
  t.same(created, ['pg', 'redis']);
  t.equal(registered.length, 2, 'each registered with the providers');
  t.same(debug, ['instrumentation "pg" activated: the app loads "pg-pool"', 'instrumentation "redis" activated: the app loads "@redis/client"']);
});

t.test('a package that cannot be loaded: one warning when its module is first loaded, none after, no throw', async (t) => {
  const { subject, warnings } = activation(() => {
    throw new Error("Cannot find module '@opentelemetry/instrumentation-koa'");
  });
  t.same(warnings, [], 'nothing at start');
  t.equal(subject.activate('koa'), false);
  t.equal(subject.activate('koa'), false);
  t.same(warnings, ['instrumentation "koa" could not be loaded, "koa" is not traced: Cannot find module \'@opentelemetry/instrumentation-koa\'']);
});

t.test('packageOf: the package a bare specifier names', async (t) => {
  t.equal(packageOf('koa'), 'koa');
  t.equal(packageOf('graphql/execution/execute.js'), 'graphql');
  t.equal(packageOf('@nestjs/core'), '@nestjs/core');
  t.equal(packageOf('@redis/client/dist/index.js'), '@redis/client');
  t.equal(packageOf('/app/node_modules/koa/lib/application.js'), 'koa', 'an absolute path into node_modules');
  t.equal(packageOf('/app/node_modules/a/node_modules/@redis/client/dist/index.js'), '@redis/client', 'the innermost package');
  t.equal(packageOf('/app/src/node_modules.js'), undefined);
  for (const none of ['./koa', '../koa', '/abs/koa', 'file:///x/koa.js', 'node:http', 'http', 'fs/promises', '@scope', 'C:\\x\\koa']) t.equal(packageOf(none), undefined, none);
});

t.test('isOwnCode: our dist and OpenTelemetry packages, nothing else, never a throw', async (t) => {
  t.equal(isOwnCode(`${__dirname}/../../sdk/export/trace-exporters.js`.replace(/\/test\/unit\/\.\.\/\.\./, '')), true);
  t.equal(isOwnCode('/app/node_modules/@opentelemetry/otlp-grpc-exporter-base/build/index.js'), true);
  t.equal(isOwnCode('/app/server.js'), false);
  t.equal(isOwnCode(null), false);
  t.equal(isOwnCode(undefined), false);
});
