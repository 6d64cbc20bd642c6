// Installable from git: `npm install git+<url>#<ref>` of this repository builds dist/
// on install (the `prepare` script, scripts/prepare.mjs), from a bare clone of the
// commit under test, into an app that then starts traced. npm downloads our
// devDependencies for the build: from its cache when they are there.
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { startReceiver } from '../../receiver/index.js';
import { repoRoot, startApp } from '../helpers/app.js';

const run = promisify(execFile);

t.test('npm install git+file://…/otel-preload.git#HEAD builds the package and it traces', { timeout: 900_000 }, async (t) => {
  const dir = t.testdir({ app: { 'package.json': JSON.stringify({ name: 'git-app', version: '1.0.0', private: true }) } });
  const bare = join(dir, 'otel-preload.git');
  await run('git', ['clone', '--quiet', '--bare', repoRoot, bare]);
  const app = join(dir, 'app');
  // Our Node 24 first on PATH, as for any npm command in this repository (README).
  const env = { ...process.env, PATH: `${join(repoRoot, 'node_modules', '.bin')}:${process.env['PATH'] ?? ''}` };
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', `git+file://${bare}#HEAD`], { cwd: app, env, maxBuffer: 64 * 1024 * 1024 }).catch((error: Error & { stderr?: string }) => {
    throw new Error(`npm install from git failed: ${error.message}\n${error.stderr ?? ''}`);
  });
  const installed = join(app, 'node_modules', 'otel-preload');
  t.ok(existsSync(join(installed, 'dist', 'register.js')), 'dist/ was built on install');
  t.ok(existsSync(join(installed, 'dist', 'bundlers', 'esbuild.js')), 'the bundler plugins too');
  t.notOk(existsSync(join(installed, 'dist', 'test')), 'tests are not packed');

  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  writeFileSync(join(app, 'main.js'), "require('node:http').createServer((q, s) => s.end('ok')).listen(0, '127.0.0.1', function () { process.stdout.write(JSON.stringify({ port: this.address().port }) + '\\n'); });\n");
  const started = await startApp(join(app, 'main.js'), { cwd: app, nodeArgs: ['--import', 'otel-preload/register'], env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl } });
  t.teardown(() => started.child.kill());
  await fetch(`http://127.0.0.1:${started.port}/`);
  const spans = await receiver.waitForSpans((all) => all.some((s) => s.kind === 'server'));
  t.equal(spans.find((s) => s.kind === 'server')?.name, 'GET', 'the request is a server span');
  t.match(started.stderr(), /otel-preload: v\d+\.\d+\.\d+ tracing service "git-app"/, 'the installed preload starts');
});
