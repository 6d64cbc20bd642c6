// Hostile services, Koa 3 (with @koa/router) and NestJS 11 (on Express and on Fastify):
// a route per thrown value (thrown-values.js), thrown synchronously and rejected from
// an async handler or controller method. Bare and traced, the client gets the same
// answer (Koa leaves a request whose middleware threw null or undefined unanswered:
// traced too), the app prints the same and lives or dies the same (twins.ts).
import t from 'tap';
import { fixture } from '../helpers/app.js';
import { thrownCases } from '../helpers/thrown.js';
import { startTwins } from '../helpers/twins.js';

const MODES = ['sync', 'async'];

t.test('Koa 3 with @koa/router: every kind of thrown value, thrown and rejected', async (t) => {
  const twins = await startTwins(t, fixture('hostile', 'koa-throws.js'));
  await thrownCases(t, twins, { framework: 'Koa 3', modes: MODES });
});

t.test('NestJS 11 on Express: every kind of thrown value, from a controller method', async (t) => {
  const twins = await startTwins(t, fixture('hostile', 'nest-throws.js'));
  await thrownCases(t, twins, { framework: 'NestJS on Express', modes: MODES });
});

t.test('NestJS 11 on Fastify: every kind of thrown value, from a controller method', async (t) => {
  const twins = await startTwins(t, fixture('hostile', 'nest-throws.js'), { env: { NEST_PLATFORM: 'fastify' } });
  await thrownCases(t, twins, { framework: 'NestJS on Fastify', modes: MODES });
});
