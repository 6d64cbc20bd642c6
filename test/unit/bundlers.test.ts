// What the bundler plugins hand to the preload, decided from the file's path, its
// package.json and its code (bundlers/modules.ts), and the warning when a bundle was
// built without them (sdk/instrument/hidden-libraries.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInThisContext } from 'node:vm';
import t from 'tap';
import { otelPreload } from '../../bundlers/esbuild.js';
import { handOnLine, instrumentedPackageFile, isCommonJs, withHandOn } from '../../bundlers/modules.js';
import { hiddenMessage } from '../../sdk/instrument/hidden-libraries.js';

function install(root: string, name: string, json: Record<string, unknown>, files: Record<string, string>): string {
  const dir = join(root, 'node_modules', ...name.split('/'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, ...json }));
  for (const [file, code] of Object.entries(files)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), code);
  }
  return dir;
}

t.test('which files are handed on, as what', async (t) => {
  const root = t.testdir();
  const pg = install(root, 'pg', { version: '8.16.3', main: './lib' }, { 'lib/index.js': 'module.exports = {}', 'lib/client.js': 'module.exports = class Client {}' });
  const nest = install(root, '@nestjs/core', { version: '11.1.0' }, { 'index.js': '', 'router/router-execution-context.js': '' });
  const redis = install(root, '@redis/client', { version: '5.8.0', exports: { '.': { import: './dist/index.mjs', require: './dist/index.js' } } }, { 'dist/index.js': '', 'dist/index.mjs': '' });
  const other = install(root, 'left-pad', { version: '1.3.0' }, { 'index.js': '' });

  t.same(instrumentedPackageFile(join(pg, 'lib', 'index.js')), { name: 'pg', version: '8.16.3', file: 'pg/lib/index.js', main: true }, "main: './lib' is lib/index.js");
  t.same(instrumentedPackageFile(join(pg, 'lib', 'client.js')), { name: 'pg', version: '8.16.3', file: 'pg/lib/client.js', main: false }, 'an inner file, named as require-in-the-middle names it');
  t.same(instrumentedPackageFile(join(nest, 'router', 'router-execution-context.js')), { name: '@nestjs/core', version: '11.1.0', file: '@nestjs/core/router/router-execution-context.js', main: false }, 'a scoped package');
  t.equal(instrumentedPackageFile(join(redis, 'dist', 'index.js'))?.main, true, 'the exports map\'s require entry is the main');
  t.equal(instrumentedPackageFile(join(other, 'index.js')), undefined, 'a package no instrumentation patches');
  t.equal(instrumentedPackageFile(join(root, 'src', 'pg.js')), undefined, 'not under node_modules');

  const pnpm = install(join(root, 'node_modules', '.pnpm', 'pino@10.0.0'), 'pino', { version: '10.0.0', main: 'pino.js' }, { 'pino.js': '' });
  t.same(instrumentedPackageFile(join(pnpm, 'pino.js')), { name: 'pino', version: '10.0.0', file: 'pino/pino.js', main: true }, "pnpm's layout: the innermost node_modules");
});

t.test("esbuild calls the plugin for the files it changes, and for no other", async (t) => {
  const root = t.testdir();
  install(root, 'pg', { version: '8.16.3', main: './lib' }, { 'lib/index.js': '', 'lib/client.js': '', 'lib/result.js': '' });
  install(root, 'pino', { version: '10.0.0', main: 'pino.js' }, { 'pino.js': '', 'lib/tools.js': '' });
  const filters: RegExp[] = [];
  otelPreload().setup({ initialOptions: { entryPoints: [join(root, 'app.js')] }, onLoad: ({ filter }) => void filters.push(filter) });
  t.equal(filters.length, 1);
  const called = (path: string) => filters[0]?.test(path);
  for (const sep of ['/', '\\']) {
    const at = (...parts: string[]) => [root.split('/').join(sep), 'node_modules', ...parts].join(sep);
    t.ok(called(at('pg', 'lib', 'index.js')), `pg's main module, as installed (${sep})`);
    t.ok(called(at('pg', 'lib', 'client.js')), `an inner file instrumentation-pg patches (${sep})`);
    t.ok(called(at('pino', 'pino.js')), `pino's main module, not one of the usual names (${sep})`);
    t.ok(called(at('express', 'node_modules', 'router', 'lib', 'layer.js')), `a nested copy's patched file (${sep})`);
    t.ok(called(at('kafkajs', 'index.js')), `a usual main name of a package not installed here (${sep})`);
    t.notOk(called(at('pg', 'lib', 'result.js')), `another file of pg (${sep})`);
    t.notOk(called(at('pino', 'lib', 'tools.js')), `another file of pino (${sep})`);
    t.notOk(called(at('left-pad', 'index.js')), `a package no instrumentation patches (${sep})`);
    t.notOk(called([root, 'src', 'pg', 'lib', 'index.js'].join(sep)), `the app's own file of the same name (${sep})`);
  }
});

t.test('only CommonJS is handed on: an ES module has no exports object to replace', async (t) => {
  const root = t.testdir();
  const esmPackage = install(root, 'koa', { version: '3.0.0', type: 'module' }, { 'index.js': 'export default 1' });
  t.equal(isCommonJs(join(esmPackage, 'index.js'), 'export default 1'), false, '"type": "module"');
  t.equal(isCommonJs('/x/node_modules/pg/esm/index.mjs', ''), false, '.mjs');
  t.equal(isCommonJs('/x/node_modules/pg/lib/index.js', "import x from 'y'\nmodule.exports = x"), false, 'import statements');
  t.equal(isCommonJs('/x/node_modules/pg/lib/index.js', "// import this\nconst m = await import('y')\nmodule.exports = 1"), true, 'a comment and a dynamic import are not ESM');
  t.equal(withHandOn(join(esmPackage, 'index.js'), 'export default 1'), undefined, 'left as it is');
});

t.test('the line added: guarded, nothing loaded, everything recorded at build time', async (t) => {
  const line = handOnLine({ name: 'pg', version: '8.16.3', file: 'pg/lib/index.js', main: true });
  const module = { exports: { original: true } };
  // As a bundle runs it: inside the module's function, `module` its own.
  const run = runInThisContext(`(function (module) {${line}})`) as (module: object) => void;
  run(module);
  t.same(module.exports, { original: true }, 'without the preload: nothing happens');
  const seen: unknown[] = [];
  const key = Symbol.for('otel-preload.bundled-module.v1');
  (globalThis as Record<symbol, unknown>)[key] = (...args: unknown[]) => seen.push(args.slice(1));
  t.teardown(() => delete (globalThis as Record<symbol, unknown>)[key]);
  run(module);
  t.same(seen, [['pg', '8.16.3', 'pg/lib/index.js', true]]);
});

t.test('the warning names what is hidden, and what to do', async (t) => {
  t.equal(
    hiddenMessage(new Map([['pg', '/app/dist/server.js'], ['kafkajs', '/app/dist/server.js'], ['pino', '/app/dist/server.js']])).split('. ')[0],
    'pg, kafkajs and pino are bundled into /app/dist/server.js and never loaded through require or import, so they are not traced',
  );
  t.match(hiddenMessage(new Map([['pg', '/app/main.cjs']])), /^pg is bundled into \/app\/main\.cjs .* so it is not traced\. .*otelPreload\(\).*new OtelPreloadPlugin\(\)/);
});
