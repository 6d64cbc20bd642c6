// The README's first command, end to end: `npm run demo` exits 0 and shows the
// create-task request as one tree, from HTTP through SQL and Kafka to the worker.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import t from 'tap';
import { appEnv, repoRoot } from '../helpers/app.js';
import { requireServices } from './services.js';

t.test('the demo prints the create-task tree', async (t) => {
  await requireServices();
  const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) =>
    execFile(process.execPath, [join(repoRoot, 'dist', 'view', 'demo.js')], { env: appEnv({ OTEL_BSP_SCHEDULE_DELAY: undefined }), timeout: 120_000 }, (error, out, err) =>
      error ? reject(new Error(`${error.message}\n${out}\n${err}`)) : resolve({ stdout: out, stderr: err }),
    ),
  );
  t.match(stderr, 'traced by otel-preload');
  const lines = stdout.split('\n');
  const root = lines.findIndex((line) => /^POST \/api\/tasks {2}201 /.test(line));
  t.ok(root >= 0, `a tree rooted at POST /api/tasks 201:\n${stdout}`);
  const tree = lines.slice(root, lines.indexOf('', root)).join('\n');
  for (const shape of [
    /└─ request handler/,
    /├─ pg\.query:INSERT tasks \(client\)/,
    /└─ send web-crawl-tasks \(producer\)/,
    /^ {6}└─ process web-crawl-tasks \(consumer\)/m,
    /^ {9}├─ pg\.query:UPDATE tasks \(client\).*SET status = \?/m,
    /^ {9}├─ POST \(client\).*\/crawl 200/m,
    /^ {9}└─ pg\.query:UPDATE tasks \(client\).*SET status = \?/m,
    /· log: task created and queued/,
  ]) t.match(tree, shape, String(shape));
  t.match(stdout, /^GET \/api\/metrics {2}200 /m, 'the metrics request');
  t.match(stdout, /^POST \/api\/tasks {2}400 /m, 'the failing request');
  t.notMatch(stdout, /^GET \/health {2}/m, 'no trace for the health probe');
});
