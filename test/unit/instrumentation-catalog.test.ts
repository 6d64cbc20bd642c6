// Keeps our name → class table in step with @opentelemetry/auto-instrumentations-node,
// whose short names users already know.
import { readFileSync } from 'node:fs';
import t from 'tap';
import type { InstrumentationBase } from '@opentelemetry/instrumentation';
import { ADAPTER_MODULES, INSTRUMENTATION_CLASSES, INSTRUMENTED_MODULES, type InstrumentationName, instrumentationPackage, NAMED_ONLY, PATCHED_FILES } from '../../config/instrumentation-catalog.js';
import { DEFAULT_INSTRUMENTATIONS } from '../../config/instrumentations.js';

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

// Activation waits for these module names (sdk/instrument/activation.ts): a name missing here would
// leave its library untraced, with nothing to say so.
t.test('each instrumentation activates on exactly the modules its package patches', async (t) => {
  for (const name of Object.keys(INSTRUMENTATION_CLASSES) as InstrumentationName[]) {
    const exports = require(instrumentationPackage(name)) as Record<string, new (config: { enabled: boolean }) => InstrumentationBase>;
    const instrumentation = new exports[INSTRUMENTATION_CLASSES[name]]({ enabled: false });
    const patched = [...new Set(instrumentation.getModuleDefinitions().map((definition) => definition.name))].sort();
    t.same([...INSTRUMENTED_MODULES[name]].sort(), patched, name);
  }
});

t.test('noisy and metrics-only instrumentations are not in the default set', async (t) => {
  t.same([...NAMED_ONLY].sort(), ['aws-lambda', 'dns', 'fs', 'host-metrics', 'nestjs-core', 'net', 'router', 'runtime-node']);
  t.notOk(DEFAULT_INSTRUMENTATIONS.some((name) => NAMED_ONLY.includes(name)));
  t.equal(DEFAULT_INSTRUMENTATIONS.length, Object.keys(INSTRUMENTATION_CLASSES).length - NAMED_ONLY.length, 'every other name is');
});

// pnpm and Yarn PnP let a package resolve only its own dependencies: each package we may
// require must be ours, not auto-instrumentations-node's.
t.test('every instrumentation package is a direct dependency, at the version range auto-instrumentations-node uses', async (t) => {
  const ours = (JSON.parse(readFileSync(require.resolve('../../../package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies;
  const upstreamJson = require.resolve('@opentelemetry/auto-instrumentations-node').replace(/dist[\\/]index\.cjs$/, 'package.json');
  const upstream = (JSON.parse(readFileSync(upstreamJson, 'utf8')) as { dependencies: Record<string, string> }).dependencies;
  for (const name of Object.keys(INSTRUMENTATION_CLASSES) as InstrumentationName[]) {
    const pkg = instrumentationPackage(name);
    t.ok(ours[pkg], `${pkg} in dependencies`);
    // http is pinned with ~ like the rest of the 0.300 line; the others with the caret upstream uses.
    t.equal(ours[pkg]?.replace(/^[~^]/, ''), upstream[pkg]?.replace(/^[~^]/, ''), `${pkg}: same version as upstream`);
  }
});

// What a bundle built with our plugins hands on (bundlers/modules.ts): a file missing
// here would stay unpatched inside a bundle, with nothing to say so.
t.test('the inner files every instrumentation and adapter of ours patches are all in PATCHED_FILES', async (t) => {
  const { ExpressErrorsInstrumentation } = await import('../../sdk/http-server/express-errors.js');
  const { KoaErrorsInstrumentation } = await import('../../sdk/http-server/koa.js');
  const { NestInstrumentation } = await import('../../sdk/http-server/nest.js');
  const instrumentations: InstrumentationBase[] = [new ExpressErrorsInstrumentation(), new KoaErrorsInstrumentation(), new NestInstrumentation()];
  for (const name of Object.keys(INSTRUMENTATION_CLASSES) as InstrumentationName[]) {
    const exports = require(instrumentationPackage(name)) as Record<string, new (config: { enabled: boolean }) => InstrumentationBase>;
    instrumentations.push(new exports[INSTRUMENTATION_CLASSES[name]]({ enabled: false }));
  }
  const files: Record<string, Set<string>> = {};
  for (const instrumentation of instrumentations) {
    for (const definition of instrumentation.getModuleDefinitions()) for (const file of definition.files) (files[definition.name] ??= new Set()).add(file.name);
  }
  const sorted = (record: Record<string, Iterable<string>>) => Object.fromEntries(Object.keys(record).sort().map((key) => [key, [...record[key]].sort()]));
  t.same(sorted(PATCHED_FILES), sorted(files));
  for (const instrumentation of instrumentations.slice(0, 3)) {
    for (const definition of instrumentation.getModuleDefinitions()) t.ok(ADAPTER_MODULES.includes(definition.name), `${definition.name}, which an adapter patches, is handed on`);
  }
});
