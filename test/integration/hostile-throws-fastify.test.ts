// Hostile services, Fastify 5 (with its own pino logger): a route per thrown value
// (thrown-values.js), thrown from a synchronous handler, rejected from an async one,
// and thrown from an onRequest hook, a preHandler hook and an async preHandler hook.
// Bare and traced, the client gets the same answer, the app logs the same and lives
// or dies the same (twins.ts). Fastify's own error path fails for some of these values
// bare ("cb is not a function", a Proxy answered with 200): it must fail the same way
// traced. The preload records errors in an onError hook it adds to each instance, and
// does not subscribe to Fastify's handler tracing channel, with which Fastify itself
// handles a thrown Proxy otherwise (it answers 500 instead of 200, or dies of a
// rejected one): the Proxy is thrown everywhere here.
import t from 'tap';
import { fixture } from '../helpers/app.js';
import { thrownCases } from '../helpers/thrown.js';
import { startTwins } from '../helpers/twins.js';

t.test('Fastify 5: every kind of thrown value, from handlers and hooks', async (t) => {
  const twins = await startTwins(t, fixture('hostile', 'fastify-throws.js'));
  await thrownCases(t, twins, {
    framework: 'Fastify 5',
    modes: ['sync', 'async', 'on-request', 'pre-handler', 'async-pre-handler'],
  });
});
