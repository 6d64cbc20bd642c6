// Installable from git with npm, pnpm and Yarn: each installs the commit under test
// from a bare clone of this repository, builds dist/ on install (the `prepare` script,
// scripts/prepare.mjs), and the app it was installed into then starts traced. The
// managers download our devDependencies for the build: from their caches when they
// are there.
// - npm and pnpm take `git+file://`. pnpm 10 runs a git dependency's build only when
//   the project allows that exact dependency (`onlyBuiltDependencies`).
// - Yarn 4 takes no `file:` git URL: the clone is served by `git daemon` on loopback,
//   and Yarn fetches only from repositories the project approves
//   (`approvedGitRepositories`). Yarn prepares it with npm (our package-lock.json).
import { execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import t, { type Test } from 'tap';
import { startReceiver } from '../../receiver/index.js';
import { freePort, repoRoot, startApp, until } from '../helpers/app.js';

const run = promisify(execFile);
// Three installs, each building the package from a clone (~50-70 s each on the CI machine,
// more beside other test files): past the 180 s every other file gets, which ended this one.
t.setTimeout(900_000);
const cache = process.env['OTEL_PRELOAD_CACHE'] ?? join(homedir(), '.cache', 'otel-preload');
// Our Node 24 first on PATH, as for any npm command in this repository (README).
const env = { ...process.env, PATH: `${join(repoRoot, 'node_modules', '.bin')}:${process.env['PATH'] ?? ''}` };

/** What the manager's loader needs on the command line (Yarn PnP's), before our --import. */
type NodeArgs = string[];

/**
 * Which of our files the installed package has, seen as the app sees it: Yarn PnP
 * keeps the package in a zip, which only its own fs layer reads.
 */
async function installedFiles(app: string, nodeArgs: NodeArgs): Promise<Record<string, boolean>> {
  const probe = `const { existsSync } = require('node:fs'); const { dirname, join } = require('node:path');
    const dir = dirname(require.resolve('otel-preload/package.json'));
    console.log(JSON.stringify(Object.fromEntries(['dist/register.js', 'dist/bundlers/esbuild.js', 'dist/test'].map((f) => [f, existsSync(join(dir, f))]))));`;
  const { stdout } = await run(process.execPath, [...nodeArgs, '-e', probe], { cwd: app });
  return JSON.parse(stdout) as Record<string, boolean>;
}

async function cloneUnderTest(dir: string): Promise<{ bare: string; commit: string }> {
  const bare = join(dir, 'otel-preload.git');
  await run('git', ['clone', '--quiet', '--bare', repoRoot, bare]);
  const { stdout } = await run('git', ['rev-parse', 'HEAD'], { cwd: repoRoot });
  return { bare, commit: stdout.trim() };
}

async function installed(what: string, command: Promise<unknown>): Promise<void> {
  await command.catch((error: Error & { stdout?: string; stderr?: string }) => {
    throw new Error(`${what} from git failed: ${error.message}\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
  });
}

async function tracesAfterInstall(t: Test, app: string, nodeArgs: NodeArgs): Promise<void> {
  const files = await installedFiles(app, nodeArgs);
  t.ok(files['dist/register.js'], 'dist/ was built on install');
  t.ok(files['dist/bundlers/esbuild.js'], 'the bundler plugins too');
  t.notOk(files['dist/test'], 'tests are not packed');

  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  writeFileSync(join(app, 'main.js'), "require('node:http').createServer((q, s) => s.end('ok')).listen(0, '127.0.0.1', function () { process.stdout.write(JSON.stringify({ port: this.address().port }) + '\\n'); });\n");
  const started = await startApp(join(app, 'main.js'), { cwd: app, nodeArgs: [...nodeArgs, '--import', 'otel-preload/register'], env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl } });
  t.teardown(() => started.child.kill());
  await fetch(`http://127.0.0.1:${started.port}/`);
  const spans = await receiver.waitForSpans((all) => all.some((s) => s.kind === 'server'));
  t.equal(spans.find((s) => s.kind === 'server')?.name, 'GET', 'the request is a server span');
  t.match(started.stderr(), /otel-preload: v\d+\.\d+\.\d+ tracing service "git-app"/, 'the installed preload starts');
}

function appDir(t: Test): string {
  return join(t.testdir({ app: { 'package.json': JSON.stringify({ name: 'git-app', version: '1.0.0', private: true }) } }), 'app');
}

t.test('npm install git+file://…/otel-preload.git#HEAD builds the package and it traces', { timeout: 900_000 }, async (t) => {
  const app = appDir(t);
  const { bare } = await cloneUnderTest(join(app, '..'));
  await installed('npm install', run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', `git+file://${bare}#HEAD`], { cwd: app, env, maxBuffer: 64 * 1024 * 1024 }));
  await tracesAfterInstall(t, app, []);
});

t.test('pnpm add git+file://…/otel-preload.git#<commit>, allowed to build, builds the package and it traces', { timeout: 900_000 }, async (t) => {
  const app = appDir(t);
  const { bare, commit } = await cloneUnderTest(join(app, '..'));
  const spec = `git+file://${bare}#${commit}`;
  writeFileSync(join(app, 'pnpm-workspace.yaml'), `onlyBuiltDependencies:\n  - "otel-preload@${spec}"\nignoredBuiltDependencies:\n  - protobufjs\n`);
  await installed('pnpm add', run(join(repoRoot, 'node_modules', '.bin', 'pnpm'), ['add', spec, '--store-dir', join(cache, 'pnpm-store')], { cwd: app, env: { ...env, CI: '' }, maxBuffer: 64 * 1024 * 1024 }));
  await tracesAfterInstall(t, app, []);
});

t.test('yarn add otel-preload@git://…#commit=<commit>, from an approved repository, builds the package and it traces (PnP)', { timeout: 900_000 }, async (t) => {
  const app = appDir(t);
  const { commit } = await cloneUnderTest(join(app, '..'));
  const port = await freePort();
  const daemon = spawn('git', ['daemon', '--reuseaddr', '--export-all', `--base-path=${join(app, '..')}`, '--listen=127.0.0.1', `--port=${port}`, join(app, '..')], { stdio: 'ignore' });
  t.teardown(() => daemon.kill());
  const repository = `git://127.0.0.1:${port}/otel-preload.git`;
  await until('git daemon to serve the clone', () => run('git', ['ls-remote', repository]).then(() => true, () => false), 10_000);
  writeFileSync(join(app, '.yarnrc.yml'), `nodeLinker: pnp\napprovedGitRepositories:\n  - "${repository}"\n`);
  writeFileSync(join(app, 'yarn.lock'), '');
  const yarnEnv = { ...env, YARN_ENABLE_IMMUTABLE_INSTALLS: 'false', YARN_ENABLE_GLOBAL_CACHE: 'false', YARN_CACHE_FOLDER: join(cache, 'yarn-cache'), YARN_ENABLE_TELEMETRY: 'false', YARN_ENABLE_PROGRESS_BARS: 'false' };
  await installed('yarn add', run(process.execPath, [join(repoRoot, 'node_modules', '@yarnpkg', 'cli-dist', 'bin', 'yarn.js'), 'add', `otel-preload@${repository}#commit=${commit}`], { cwd: app, env: yarnEnv, maxBuffer: 64 * 1024 * 1024 }));
  await tracesAfterInstall(t, app, ['--require', join(app, '.pnp.cjs'), '--experimental-loader', pathToFileURL(join(app, '.pnp.loader.mjs')).href]);
});
