// Installed with pnpm (its strictest node_modules, hoisting off: a package sees only what it depends on)
// and with Yarn PnP (no node_modules at all), from the tarball `npm pack` makes, next
// to the app's own graphql: every instrumentation of the catalogue resolves from our
// package, graphql is traced with no variable set under CommonJS and ESM, and one
// named in OTEL_NODE_ENABLED_INSTRUMENTATIONS (dns, off unless named) traces. The
// package managers are our pinned devDependencies; what they download is cached in
// OTEL_PRELOAD_CACHE (default ~/.cache/otel-preload), as the test services' are.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import t from 'tap';
import { startReceiver } from '../../receiver/index.js';
import { fixture, repoRoot, startApp } from '../helpers/app.js';

const run = promisify(execFile);
const cache = process.env['OTEL_PRELOAD_CACHE'] ?? join(homedir(), '.cache', 'otel-preload');
const bin = (name: string) => join(repoRoot, 'node_modules', '.bin', name);
const graphqlVersion = (JSON.parse(readFileSync(join(repoRoot, 'node_modules', 'graphql', 'package.json'), 'utf8')) as { version: string }).version;

interface Manager {
  name: string;
  install: (dir: string) => Promise<unknown>;
  /** What the manager's own `node` wrapper adds to the command line (`yarn node`), before our --import. */
  nodeArgs: (dir: string) => string[];
}

const managers: Manager[] = [
  {
    name: 'pnpm',
    // pnpm 11 and later fail an install until each dependency's build script is allowed
    // or denied (docs/usage.md): protobufjs's (under gRPC) only checks versions, deny it.
    // hoist false: by default pnpm lets every package see every other in .pnpm/node_modules.
    // CI=true makes pnpm insist on a lockfile, which a new app does not have yet.
    install: (dir) => (writeFileSync(join(dir, 'pnpm-workspace.yaml'), 'hoist: false\nallowBuilds:\n  protobufjs: false\n'), run(bin('pnpm'), ['install', '--no-frozen-lockfile', '--store-dir', join(cache, 'pnpm-store')], { cwd: dir })),
    nodeArgs: () => [],
  },
  {
    name: 'Yarn PnP',
    install: (dir) =>
      run(process.execPath, [join(repoRoot, 'node_modules', '@yarnpkg', 'cli-dist', 'bin', 'yarn.js'), 'install'], {
        cwd: dir,
        env: {
          ...process.env,
          YARN_NODE_LINKER: 'pnp',
          YARN_ENABLE_IMMUTABLE_INSTALLS: 'false',
          YARN_ENABLE_GLOBAL_CACHE: 'false',
          YARN_CACHE_FOLDER: join(cache, 'yarn-cache'),
          YARN_ENABLE_TELEMETRY: 'false',
          YARN_ENABLE_PROGRESS_BARS: 'false',
        },
      }),
    nodeArgs: (dir) => ['--require', join(dir, '.pnp.cjs'), '--experimental-loader', pathToFileURL(join(dir, '.pnp.loader.mjs')).href],
  },
];

const packDir = mkdtempSync(join(tmpdir(), 'otel-preload-pack-'));
t.teardown(() => rmSync(packDir, { recursive: true, force: true }));
let tarball = '';
t.before(async () => {
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', packDir], { cwd: repoRoot });
  tarball = join(packDir, stdout.trim().split('\n').pop() ?? '');
});

for (const manager of managers) {
  t.test(`installed with ${manager.name}`, { timeout: 300_000 }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), `otel-preload-${manager.name.replace(/\W/g, '')}-`));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, dependencies: { 'otel-preload': `file:${tarball}`, graphql: graphqlVersion } }));
    for (const script of ['graphql.js', 'graphql.mjs']) copyFileSync(fixture('activation', script), join(dir, script));
    copyFileSync(fixture('package-managers', 'resolve-catalogue.mjs'), join(dir, 'resolve-catalogue.mjs'));
    writeFileSync(join(dir, 'dns.js'), "require('node:dns').lookup('localhost', (error) => process.stdout.write(`${JSON.stringify({ error: error?.code ?? null })}\\n`));\n");
    await manager.install(dir);

    const catalogue = await startApp(join(dir, 'resolve-catalogue.mjs'), { cwd: dir, waitForPort: false, nodeArgs: manager.nodeArgs(dir) });
    t.same(await catalogue.exited, { code: 0, signal: null }, catalogue.stderr());
    t.same(catalogue.jsonLines()[0], { names: 41, unresolved: [] }, 'every instrumentation package of the catalogue resolves from our package');

    const receiver = await startReceiver();
    t.teardown(() => receiver.close());
    const preload = [...manager.nodeArgs(dir), '--import', 'otel-preload/register'];
    const parses = () => receiver.spans.filter((s) => s.name === 'graphql.parse').length;
    for (const script of ['graphql.js', 'graphql.mjs']) {
      const before = parses();
      const app = await startApp(join(dir, script), { cwd: dir, waitForPort: false, nodeArgs: preload, env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl, OTEL_LOG_LEVEL: 'debug' } });
      t.same(await app.exited, { code: 0, signal: null }, `${script} exits normally`);
      t.match(app.jsonLines()[0], { data: { hello: /^hi / } }, `${script}: the query ran as without us`);
      t.match(app.stderr(), 'instrumentation "graphql" activated', `${script}: graphql activated with no variable set`);
      t.notMatch(app.stderr(), /warn|Error/, `${script}: no warning, no error`);
      await receiver.waitForSpans(() => parses() > before);
      t.pass(`${script}: its graphql spans arrived`);
    }

    const named = await startApp(join(dir, 'dns.js'), { cwd: dir, waitForPort: false, nodeArgs: preload, env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl, OTEL_LOG_LEVEL: 'debug', OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'dns' } });
    t.same(await named.exited, { code: 0, signal: null });
    t.match(named.stderr(), 'instrumentations dns;', 'dns, named, is on (a built-in: created at start, not on first use)');
    t.notMatch(named.stderr(), /warn|Error/, 'no warning, no error');
    const spans = await receiver.waitForSpans((all) => all.some((s) => s.name.startsWith('dns.lookup')));
    t.ok(spans.some((s) => s.name.startsWith('dns.lookup')), 'and its span arrives');
  });
}
