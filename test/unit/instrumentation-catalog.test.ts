// Keeps our name → class table in step with @opentelemetry/auto-instrumentations-node,
// whose short names users already know.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { INSTRUMENTATION_CLASSES, type InstrumentationName, instrumentationPackage } from '../../config/instrumentation-catalog.js';

t.test('every upstream instrumentation is in the table, with the class its package exports', async (t) => {
  const upstreamJson = require.resolve('@opentelemetry/auto-instrumentations-node').replace(/dist[\\/]index\.cjs$/, 'package.json');
  const upstream = Object.keys((JSON.parse(readFileSync(upstreamJson, 'utf8')) as { dependencies: Record<string, string> }).dependencies)
    .filter((name) => name.startsWith('@opentelemetry/instrumentation-'))
    .map((name) => name.replace('@opentelemetry/instrumentation-', ''))
    .sort();
  t.same(Object.keys(INSTRUMENTATION_CLASSES).sort(), upstream);
  for (const name of Object.keys(INSTRUMENTATION_CLASSES) as InstrumentationName[]) {
    const exports = require(instrumentationPackage(name)) as Record<string, unknown>;
    t.type(exports[INSTRUMENTATION_CLASSES[name]], 'function', `${name} exports ${INSTRUMENTATION_CLASSES[name]}`);
  }
});
