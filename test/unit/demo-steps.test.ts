// The demo's failure report: when starting the services fails, the user reads that
// failure with its output, and a failing cleanup after it is reported after it,
// never in its place.
import t from 'tap';
import { CommandFailed, type Cleanup, run, runSteps } from '../../view/demo-steps.js';

/** A command that writes `lines` to stderr and exits with `code`, like scripts/services/up failing. */
const failing = (lines: number, code: number) => run('sh', ['-c', `for i in $(seq 1 ${lines}); do echo "log line $i" >&2; done; exit ${code}`]);

t.test('a failed command carries the end of its stderr', async (t) => {
  const error = await failing(30, 3).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(error instanceof CommandFailed);
  const failed = error as CommandFailed;
  t.equal(failed.code, 3);
  t.same(failed.tail, Array.from({ length: 20 }, (_, i) => `log line ${i + 11}`), 'its last 20 lines');
  t.match(failed.message, /exited with 3; the end of its output:\n {2}\| log line 11\n/);
  await t.resolves(run('sh', ['-c', 'exit 0']));
});

t.test('services failing to start: that failure first, then the cleanup failures, and the cause again last', async (t) => {
  const said: string[] = [];
  const order: string[] = [];
  const code = await runSteps(async (cleanups: Cleanup[]) => {
    cleanups.push(() => {
      order.push('receiver closed');
    });
    cleanups.push(async () => {
      order.push('down');
      await run('sh', ['-c', 'echo "nothing to stop" >&2; exit 1']);
    });
    await failing(3, 1);
    order.push('never here');
  }, (text) => said.push(text));
  t.equal(code, 1, 'the demo exits 1');
  t.same(order, ['down', 'receiver closed'], 'every cleanup ran, last registered first, even after one failed');
  t.match(said[0], /^failed: sh -c .* exited with 1; the end of its output:\n {2}\| log line 1\n {2}\| log line 2\n {2}\| log line 3$/, 'the failed start first, with its output');
  t.match(said[1], /^while cleaning up after that failure: sh -c .*nothing to stop.* exited with 1/, 'the cleanup failure after it, said to be one');
  t.match(said.at(-1), /^the demo failed because sh -c .* exited with 1 \(its output above\)$/, 'the last line blames the failed start, not the cleanup');
  t.equal(said.length, 3);
});

t.test('a failure with no cleanup failure ends on that failure; success says nothing and exits 0', async (t) => {
  const said: string[] = [];
  t.equal(await runSteps(() => Promise.reject(new Error('the task-manager example exited before listening')), (text) => said.push(text)), 1);
  t.same(said, ['failed: the task-manager example exited before listening']);
  said.length = 0;
  t.equal(await runSteps(async () => undefined, (text) => said.push(text)), 0);
  t.same(said, []);
});
