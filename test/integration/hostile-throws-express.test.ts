// Hostile services, Express 4 and 5: a route per thrown value (thrown-values.js: cycles,
// BigInts, throwing toJSON and getters, a Proxy whose traps throw, primitives, null and
// undefined, frozen objects, another realm's Error, 1 MB strings), thrown synchronously,
// rejected from an async handler and passed to next(). Bare and traced, the client gets
// the same answer, the app prints the same and lives or dies the same (twins.ts).
import t from 'tap';
import { fixture } from '../helpers/app.js';
import { thrownCases } from '../helpers/thrown.js';
import { startTwins } from '../helpers/twins.js';

const MODES = ['sync', 'async', 'next'];

t.test('Express 4: every kind of thrown value, thrown, rejected and passed to next()', async (t) => {
  const twins = await startTwins(t, fixture('hostile', 'express-throws.js'), { env: { EXPRESS: '4' } });
  await thrownCases(t, twins, { framework: 'Express 4', modes: MODES });
});

t.test('Express 5: every kind of thrown value, thrown, rejected and passed to next()', async (t) => {
  const twins = await startTwins(t, fixture('hostile', 'express-throws.js'), { env: { EXPRESS: '5' } });
  await thrownCases(t, twins, { framework: 'Express 5', modes: MODES });
});
