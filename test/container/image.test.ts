// The container image, proven without a Docker engine: the real Dockerfile is built by
// buildah on a local stand-in for its node:*-slim base (scripts/container/base-image), then
// each way of using the image is exercised:
//   - entrypoint:     an app inside the image, started through /otel-preload/entrypoint.sh
//   - init container: `copy /target` into a directory, then an app on the host preloads from it
//   - layer to copy:  the task-manager example image (deploy/task-manager/Dockerfile)
// Slow (minutes): the first run installs buildah and debootstrap (apt-get) and builds the
// base (~1 min, then cached in ~/.cache/otel-preload/container); every run builds the image
// and the task-manager image (~1.5 min on 2 cores). Not part of `npm test`; run it alone,
// with a longer tap timeout: tap --timeout=1200 dist/test/container/image.test.js
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { startReceiver } from '../../receiver/index.js';
import type { CollectedSpan } from '../../receiver/index.js';
import { fixture, get, repoRoot, startApp, stop } from '../helpers/app.js';
import { alive, createContainer, diagnostics, hostPidOf, mustRun, removeContainer, run, runIn, scripts, startIn, stopIn, waitForLine } from './buildah.js';

const image = 'localhost/otel-preload:test';
const taskManagerImage = 'localhost/otel-preload-task-manager:test';
const appDir = fixture('container-app');
const startupLine = (service: string) => new RegExp(`^otel-preload: v\\S+ tracing service "${service}"`, 'gm');
const count = (text: string, pattern: RegExp) => [...text.matchAll(pattern)].length;

/** The spans of one /hello request: server /hello -> client -> server /downstream, one trace. */
function helloTrace(spans: CollectedSpan[]): CollectedSpan[] | undefined {
  for (const root of spans.filter((s) => s.kind === 'server' && s.parentSpanId === undefined)) {
    const client = spans.find((s) => s.kind === 'client' && s.parentSpanId === root.spanId);
    const downstream = client && spans.find((s) => s.kind === 'server' && s.parentSpanId === client.spanId);
    if (client && downstream) return [root, client, downstream];
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------
// entrypoint.sh itself, on the host (Debian's /bin/sh is the image's too): fast and exact.

t.test('entrypoint.sh: keeps the user NODE_OPTIONS, appends ours once, execs the command', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'otel-preload-entrypoint-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const entrypoint = join(dir, 'entrypoint.sh');
  copyFileSync(join(repoRoot, 'docker', 'entrypoint.sh'), entrypoint);
  chmodSync(entrypoint, 0o755);
  writeFileSync(join(dir, 'register.js'), '');
  const ours = `--import ${dir}/register.js`;
  // tap rewrites NODE_OPTIONS of every process a test spawns (to follow it): a shell in
  // between sets the exact value under test, or unsets it.
  const withOptions = (nodeOptions: string | undefined, command: string[]) =>
    run('sh', ['-c', 'if [ -n "${SET-}" ]; then NODE_OPTIONS=$VALUE; export NODE_OPTIONS; else unset NODE_OPTIONS; fi; exec "$@"', 'sh', ...command], {
      env: { PATH: process.env['PATH'], ...(nodeOptions === undefined ? {} : { SET: '1', VALUE: nodeOptions }) },
    });
  const printOptions = ['sh', '-c', 'printf "%s" "${NODE_OPTIONS-<unset>}"'];

  const cases: [string, string | undefined, string][] = [
    ['unset', undefined, ours],
    ['empty', '', ours],
    ['the user flags first, ours after', '--max-old-space-size=256 --title=svc', `--max-old-space-size=256 --title=svc ${ours}`],
    ['already there (--import x)', `--title=svc ${ours}`, `--title=svc ${ours}`],
    ['already there (--import=x)', `--import=${dir}/register.js --title=svc`, `--import=${dir}/register.js --title=svc`],
    ['already there (--require x)', `--require ${dir}/register.js`, `--require ${dir}/register.js`],
    ['already there (-r x)', `-r ${dir}/register.js`, `-r ${dir}/register.js`],
    ['already there, quoted tokens', `"--title=svc" "--import" "${dir}/register.js"`, `"--title=svc" "--import" "${dir}/register.js"`],
    ['another preload is kept', '--import ./tracing.mjs', `--import ./tracing.mjs ${ours}`],
  ];
  for (const [name, given, expected] of cases) {
    const result = await withOptions(given, [entrypoint, ...printOptions]);
    t.equal(result.stdout, expected, name, diagnostics(result));
  }

  const nested = await withOptions('--title=svc', [entrypoint, entrypoint, ...printOptions]);
  t.equal(nested.stdout, `--title=svc ${ours}`, 'nested entrypoints add ours once', diagnostics(nested));

  const pids = await withOptions(undefined, ['sh', '-c', `echo $$; exec "${entrypoint}" sh -c 'echo $$'`]);
  const [shellPid, commandPid] = pids.stdout.trim().split('\n');
  t.equal(commandPid, shellPid, 'exec: the command has the PID of the process that started the entrypoint', diagnostics(pids));

  const status = await withOptions(undefined, [entrypoint, 'sh', '-c', 'exit 7']);
  t.equal(status.code, 7, "the command's exit status is the entrypoint's");

  const dashDash = await withOptions(undefined, [entrypoint, '--', 'sh', '-c', 'echo ran']);
  t.equal(dashDash.stdout, 'ran\n', '`--` runs the command that follows (for a program named copy or help)');

  const help = await withOptions(undefined, [entrypoint]);
  t.equal(help.code, 0);
  t.match(help.stdout, /entrypoint\.sh copy <dir>/, 'no command: usage');
  for (const bad of [['copy'], ['copy', '/a', '/b']]) {
    const result = await withOptions(undefined, [entrypoint, ...bad]);
    t.equal(result.code, 2, `${bad.join(' ')}: usage error`);
  }

  // A path with a space is quoted the way node parses NODE_OPTIONS, and node loads it.
  const spaced = join(dir, 'with space');
  mkdirSync(spaced);
  copyFileSync(entrypoint, join(spaced, 'entrypoint.sh'));
  chmodSync(join(spaced, 'entrypoint.sh'), 0o755);
  writeFileSync(join(spaced, 'register.js'), 'process.stdout.write("preloaded ");\n');
  const quoted = await withOptions(undefined, [join(spaced, 'entrypoint.sh'), process.execPath, '-e', 'console.log(process.env.NODE_OPTIONS)']);
  t.equal(quoted.stdout, `preloaded --import "${spaced}/register.js"\n`, 'a path with a space: quoted, and node loads it', diagnostics(quoted));

  // A broken copy (no register.js) must not stop the app.
  rmSync(join(dir, 'register.js'));
  const missing = await withOptions('--title=svc', [entrypoint, ...printOptions]);
  t.equal(missing.stdout, '--title=svc', 'without register.js, NODE_OPTIONS is left alone');
  t.match(missing.stderr, /register\.js is missing; running the command without tracing/);
});

// ---------------------------------------------------------------------------------------
// The image, built from the real Dockerfile.

let built: Promise<string> | undefined;
/** Builds the image once (the first test that needs it waits; a failure fails each of them). */
function buildImage(t: Test): Promise<string> {
  built ??= (async () => {
    const started = Date.now();
    const stdout = await mustRun(join(scripts, 'build'), [image], { onStderrLine: (line) => t.comment(line) });
    t.comment(`image built in ${Math.round((Date.now() - started) / 1000)} s (including the base image, if it was not cached)`);
    return stdout.trim().split('\n').pop() ?? image;
  })();
  return built;
}

let shared: Promise<string> | undefined;
/** One working container of the image for all the tests (vfs copies the whole image for each). */
function imageContainer(t: Test): Promise<string> {
  shared ??= buildImage(t).then(() => createContainer(image));
  return shared;
}
t.teardown(async () => {
  const name = await shared?.catch(() => undefined);
  if (name !== undefined) await removeContainer(name);
});

t.test('the real Dockerfile builds, only its base argument swapped for the local stand-in', async (t) => {
  const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
  t.match(dockerfile, /^ARG NODE_IMAGE=node:24\.\d+\.\d+-\w+-slim/m, 'the default base is Node 24 slim, pinned to an exact version');
  t.equal(await buildImage(t), image);
});

t.test('the image: what npm pack publishes + production dependencies in /otel-preload, user node, no npm', async (t) => {
  await buildImage(t);
  const inspected = JSON.parse(await mustRun(join(scripts, 'buildah'), ['inspect', '--type', 'image', image])) as {
    OCIv1: { config: { User?: string; Entrypoint?: string[]; Cmd?: string[] } };
  };
  const config = inspected.OCIv1.config;
  t.equal(config.User, 'node', 'runs as the unprivileged node user');
  t.same(config.Entrypoint, ['/otel-preload/entrypoint.sh']);
  t.same(config.Cmd ?? [], [], "no command of the base's: without one, the entrypoint prints its usage");

  const container = await imageContainer(t);
  const inspect = `
    const fs = require('node:fs'), path = require('node:path');
    const root = '/otel-preload';
    const lock = JSON.parse(fs.readFileSync(root + '/package-lock.json', 'utf8'));
    const devPresent = [], prodMissing = [];
    for (const [where, entry] of Object.entries(lock.packages)) {
      if (!where.startsWith('node_modules/')) continue;
      const present = fs.existsSync(path.join(root, where, 'package.json'));
      if (entry.dev && present) devPresent.push(where);
      if (!entry.dev && !entry.optional && !entry.devOptional && !present) prodMissing.push(where);
    }
    const sources = [];
    const walk = (dir) => { for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p); else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) sources.push(p);
    } };
    walk(root + '/dist');
    let npm = null;
    for (const dir of process.env.PATH.split(':')) if (fs.existsSync(dir + '/npm')) npm = dir + '/npm';
    console.log(JSON.stringify({
      top: fs.readdirSync(root).sort(), distTest: fs.existsSync(root + '/dist/test'), sources, devPresent, prodMissing,
      hook: require.resolve('import-in-the-middle/hook.mjs', { paths: [root + '/dist/sdk'] }),
      register: fs.readFileSync(root + '/register.js', 'utf8'), npm, uid: process.getuid(),
      operatorLink: fs.realpathSync('/autoinstrumentation'),
    }));`;
  const result = await runIn(container, ['node', '-e', inspect]);
  t.equal(result.code, 0, 'inspecting /otel-preload', diagnostics(result));
  const seen = JSON.parse(result.stdout) as Record<string, unknown>;

  // The top level of what `npm pack` publishes (package.json, README, dist/, …) plus ours.
  const packed = JSON.parse(await mustRun('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repoRoot, env: { ...process.env, npm_config_loglevel: 'silent' } })) as {
    files: { path: string }[];
  }[];
  const published = new Set(packed[0].files.map((f) => f.path.split('/')[0]));
  const expected = [...published, 'node_modules', 'package-lock.json', 'register.js', 'autoinstrumentation.js', 'entrypoint.sh'].sort();
  t.same(seen['top'], expected, '/otel-preload holds the packed files, production node_modules, the lockfile and our three files');
  t.equal(seen['distTest'], false, 'no compiled tests');
  t.same(seen['sources'], [], 'no TypeScript sources');
  t.same(seen['devPresent'], [], 'no dev-only package of the lockfile is installed');
  t.same(seen['prodMissing'], [], 'every production package of the lockfile is installed');
  t.equal(seen['hook'], '/otel-preload/node_modules/import-in-the-middle/hook.mjs', "the ESM hook resolves from the preload's own node_modules");
  t.match(seen['register'], "require('./dist/register.js');");
  t.equal(seen['npm'], null, 'no npm in the final image');
  t.equal(seen['uid'], 1000);
  t.equal(seen['operatorLink'], '/otel-preload', '/autoinstrumentation (the OpenTelemetry Operator path) is the preload');
});

t.test('as an entrypoint: an app in the image is traced, keeps its NODE_OPTIONS, and receives signals itself', async (t) => {
  const container = await imageContainer(t);
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());

  // `exec` twice: if the entrypoint execs too, the app keeps the shell's PID.
  const app = startIn(container, ['sh', '-c', 'printf \'{"shellPid":%s}\\n\' $$; exec /otel-preload/entrypoint.sh node /app/server.js'], {
    volumes: { [appDir]: '/app' },
    env: {
      NODE_OPTIONS: '--max-http-header-size=32768 --title=container-app',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl,
      // Spans leave only when the batch is flushed: here, on SIGTERM.
      OTEL_BSP_SCHEDULE_DELAY: '600000',
    },
  });
  const appPid: number[] = [];
  t.teardown(() => stopIn(app, appPid[0]));
  const info = await waitForLine(app, 'port');
  const pid = info['pid'] as number;
  appPid.push(pid);
  const shell = app.jsonLines().find((line) => 'shellPid' in line);

  t.equal(info['pid'], shell?.['shellPid'], 'the app has the PID the shell had: the entrypoint exec-ed it');
  t.equal(info['uid'], 1000, 'as the image user');
  t.equal(info['nodeOptions'], '--max-http-header-size=32768 --title=container-app --import /otel-preload/register.js', 'the user flags, then ours');
  t.equal(info['maxHeaderSize'], 32768, 'the user --max-http-header-size took effect');
  t.equal(info['title'], 'container-app', 'the user --title took effect');

  const response = await get(info['port'] as number, '/hello');
  t.same(JSON.parse(response.body), { hello: 'container', downstream: 200 });
  t.equal(receiver.spans.length, 0, 'nothing exported yet (batched)');

  process.kill(pid, 'SIGTERM');
  const spans = await receiver.waitForSpans((all) => helloTrace(all) !== undefined).catch((error: Error) => {
    throw new Error(`${error.message}\n--- app stderr\n${app.stderr()}`);
  });
  const [root, client, downstream] = helloTrace(spans) ?? [];
  t.ok(root && client && downstream, 'server -> client -> server, one trace, flushed on SIGTERM');
  t.equal(root?.resource['service.name'], 'container-app', "service name from the app's package.json");
  t.equal(client?.traceId, root?.traceId);
  t.equal(downstream?.traceId, root?.traceId);

  const ended = await app.exited;
  t.not(ended.code, 0, 'the app died of the signal, as it would without us');
  t.match(ended.stderr, /terminated/, 'buildah saw its command end on SIGTERM', diagnostics(ended));
  t.equal(count(ended.stderr, startupLine('container-app')), 1, 'one start-up line', diagnostics(ended));
  t.notMatch(ended.stderr, /could not start/);
});

t.test('as PID 1 (its own PID namespace, no init): SIGTERM reaches the app, spans are flushed, and Node stays PID 1-like', async (t) => {
  const container = await imageContainer(t);
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());

  // `docker run` without --init: the entrypoint execs node, which becomes PID 1 of the
  // container. unshare makes that namespace here; setpriv drops back to the image user.
  const asPid1 = async (withPreload: boolean) => {
    const marker = `OTEL_PRELOAD_TEST_MARKER=${process.pid}-${withPreload}`;
    const command = withPreload ? ['/otel-preload/entrypoint.sh', 'node', '/app/server.js'] : ['node', '/app/server.js'];
    const app = startIn(container, ['unshare', '--pid', '--fork', '--mount-proc', 'setpriv', '--reuid=1000', '--regid=1000', '--init-groups', ...command], {
      user: 'root',
      capAdd: ['CAP_SYS_ADMIN'],
      volumes: { [appDir]: '/app' },
      env: { [marker.split('=')[0]]: marker.split('=')[1], OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl, OTEL_BSP_SCHEDULE_DELAY: '600000' },
    });
    const hostPid: number[] = [];
    t.teardown(() => stopIn(app, hostPid[0]));
    const info = await waitForLine(app, 'port');
    const pid = hostPidOf(marker, 1);
    if (pid === undefined) throw new Error(`no process with ${marker} is PID 1 of a PID namespace\n--- stderr\n${app.stderr()}`);
    hostPid.push(pid);
    return { app, info, hostPid: pid };
  };

  const plain = await asPid1(false);
  t.equal(plain.info['pid'], 1, 'without us: node is PID 1');
  process.kill(plain.hostPid, 'SIGTERM');
  await new Promise((resolveWait) => setTimeout(resolveWait, 1500));
  const plainAlive = alive(plain.hostPid);

  const traced = await asPid1(true);
  t.equal(traced.info['pid'], 1, 'through the entrypoint: node is PID 1, no shell in between');
  t.equal(traced.info['uid'], 1000);
  t.equal((await get(traced.info['port'] as number, '/hello')).status, 200);
  process.kill(traced.hostPid, 'SIGTERM');
  await receiver.waitForSpans((all) => helloTrace(all) !== undefined).catch((error: Error) => {
    throw new Error(`${error.message}\n--- app stderr\n${traced.app.stderr()}`);
  });
  t.pass('SIGTERM reached the app: the batched spans were flushed');
  await new Promise((resolveWait) => setTimeout(resolveWait, 1500));
  t.equal(alive(traced.hostPid), plainAlive, `after SIGTERM the app is ${plainAlive ? 'still running (PID 1 ignores a signal it does not handle)' : 'gone'}, as without us`);
});

t.test('already preloading us (an image ENV, nested entrypoints): loaded once, flags kept', async (t) => {
  const container = await imageContainer(t);
  const result = await runIn(container, ['/otel-preload/entrypoint.sh', '/otel-preload/entrypoint.sh', 'node', '-e', 'console.log(JSON.stringify({ options: process.env.NODE_OPTIONS, title: process.title }))'], {
    env: { NODE_OPTIONS: '--import /otel-preload/register.js --title=mine', OTEL_TRACES_EXPORTER: 'none', OTEL_SERVICE_NAME: 'once' },
  });
  t.equal(result.code, 0, 'node -e', diagnostics(result));
  t.same(JSON.parse(result.stdout) as unknown, { options: '--import /otel-preload/register.js --title=mine', title: 'mine' });
  t.equal(count(result.stderr, startupLine('once')), 1, 'one start-up line', diagnostics(result));
});

t.test('as an init container: `copy /target` fills a volume, and an app on the host preloads from it', async (t) => {
  const container = await imageContainer(t);
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const volume = mkdtempSync(join(tmpdir(), 'otel-preload-volume-'));
  t.teardown(() => rmSync(volume, { recursive: true, force: true }));
  chmodSync(volume, 0o777); // like a Kubernetes emptyDir; the image runs as uid 1000

  const copied = await runIn(container, ['/otel-preload/entrypoint.sh', 'copy', '/target'], { volumes: { [volume]: '/target:rw' } });
  t.equal(copied.code, 0, 'copy /target', diagnostics(copied));
  t.match(copied.stderr, 'NODE_OPTIONS="--import <mount path>/register.js" (at the same path: --import /target/register.js)', 'says what to set');
  for (const file of ['register.js', 'entrypoint.sh', 'package.json', 'dist/register.js', 'node_modules/import-in-the-middle/hook.mjs']) {
    t.ok(existsSync(join(volume, file)), `copied ${file}`);
  }

  const app = await startApp(join(appDir, 'server.js'), {
    nodeArgs: [],
    env: { NODE_OPTIONS: `--import ${volume}/register.js`, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl },
  });
  t.teardown(() => stop(app));
  t.equal((await get(app.port, '/hello')).status, 200);
  const spans = await receiver.waitForSpans((all) => helloTrace(all) !== undefined).catch((error: Error) => {
    throw new Error(`${error.message}\n--- app stderr\n${app.stderr()}`);
  });
  t.equal(helloTrace(spans)?.[0].resource['service.name'], 'container-app');
  t.equal(count(app.stderr(), startupLine('container-app')), 1, 'one start-up line', { stderr: app.stderr() });

  // The OpenTelemetry Operator's own convention, for `instrumentation.opentelemetry.io/inject-nodejs`
  // with this image: its init container runs `cp -r /autoinstrumentation/. <volume>` and the
  // app gets NODE_OPTIONS=--require <volume>/autoinstrumentation.js.
  const operatorVolume = mkdtempSync(join(tmpdir(), 'otel-preload-operator-'));
  t.teardown(() => rmSync(operatorVolume, { recursive: true, force: true }));
  chmodSync(operatorVolume, 0o777);
  const operatorCopy = await runIn(container, ['cp', '-r', '/autoinstrumentation/.', '/otel-auto-instrumentation-nodejs'], {
    volumes: { [operatorVolume]: '/otel-auto-instrumentation-nodejs:rw' },
  });
  t.equal(operatorCopy.code, 0, 'cp -r /autoinstrumentation/.', diagnostics(operatorCopy));
  receiver.reset();
  const operatorApp = await startApp(join(appDir, 'server.js'), {
    nodeArgs: [],
    env: { NODE_OPTIONS: ` --require ${operatorVolume}/autoinstrumentation.js`, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl },
  });
  t.teardown(() => stop(operatorApp));
  t.equal((await get(operatorApp.port, '/hello')).status, 200);
  await receiver.waitForSpans((all) => helloTrace(all) !== undefined).catch((error: Error) => {
    throw new Error(`${error.message}\n--- app stderr\n${operatorApp.stderr()}`);
  });
  t.pass('the Operator layout traces the app too');
});

t.test('as a layer to copy: the task-manager example image (deploy/task-manager/Dockerfile) is traced', async (t) => {
  await buildImage(t);
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const started = Date.now();
  await mustRun(join(scripts, 'build-task-manager'), [image, taskManagerImage], { onStderrLine: (line) => t.comment(line) });
  t.comment(`task-manager image built in ${Math.round((Date.now() - started) / 1000)} s`);
  const container = await createContainer(taskManagerImage);
  t.teardown(() => removeContainer(container));

  // No PostgreSQL or Kafka here (port 1 refuses): the app fails to start, the way it would
  // without us, and the spans of its failed connection are exported as it exits.
  const result = await runIn(container, ['node', 'server.js'], {
    env: { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/tasks', KAFKA_BROKERS: '127.0.0.1:1', PORT: '0', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl },
  });
  t.not(result.code, 0, 'exits', diagnostics(result));
  t.match(result.stdout, /"msg":"startup failed"/, 'fails to start without PostgreSQL', diagnostics(result));
  t.equal(count(result.stderr, startupLine('task-manager')), 1, 'preloaded by the image ENV NODE_OPTIONS', diagnostics(result));
  const spans = await receiver.waitForSpans((all) => all.some((s) => s.scope.name === '@opentelemetry/instrumentation-pg'));
  const pg = spans.find((s) => s.scope.name === '@opentelemetry/instrumentation-pg');
  t.equal(pg?.status.code, 'error', 'the refused PostgreSQL connection, as an error span');
  t.equal(pg?.resource['service.name'], 'task-manager');
  t.equal(pg?.resource['deployment.environment.name'], 'production', 'NODE_ENV from the image');
});
