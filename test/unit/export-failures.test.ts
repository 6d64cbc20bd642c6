// What is said when exports fail, and how many items were lost.
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import t, { type Test } from 'tap';
import { ExportFailures } from '../../sdk/export/export-failures.js';

/** Our warning lines as diag gets them, for the length of the test. */
function warnings(t: Test): string[] {
  const lines: string[] = [];
  diag.setLogger({ warn: (m: string) => lines.push(m), error() {}, info() {}, debug() {}, verbose() {} }, DiagLogLevel.WARN);
  t.teardown(() => diag.disable());
  return lines;
}

// Exports overlap: the batch processor starts the next before the last has answered.
t.test('one line when exports start failing, one when they work again, whatever order overlapping exports answer in', async (t) => {
  const lines = warnings(t);
  const failures = new ExportFailures('spans', 'http://127.0.0.1:4317');
  const ok = { code: ExportResultCode.SUCCESS };
  const failed = { code: ExportResultCode.FAILED, error: new Error('connection refused') };

  // Sent while the backend was up, answered after a later one had failed: the outage goes on.
  const inFlight = failures.started();
  const first = failures.started();
  failures.settled(failed, 5, first);
  failures.settled(ok, 5, inFlight);
  const second = failures.started();
  failures.settled(failed, 7, second);
  t.same(lines.length, 1, `one failure line, no early recovery:\n${lines.join('\n')}`);

  // Sent during the outage, answered after a later one succeeded: no news either.
  const stale = failures.started();
  const recovered = failures.started();
  failures.settled(ok, 1, recovered);
  failures.settled(failed, 3, stale);
  t.equal(lines.length, 2);
  t.match(lines[0], /^exporting spans to http:\/\/127\.0\.0\.1:4317 failed: connection refused;/);
  t.match(lines[1], /works again \(12 spans were dropped while it failed\)$/, 'the drop count is what the failed exports held');
});

t.test('spans dropped from a full queue: one count with those of failed exports; while exports work, said at most once a minute', async (t) => {
  const lines = warnings(t);
  let now = 0;
  const failures = new ExportFailures('spans', 'http://127.0.0.1:4317', () => now);
  const ok = { code: ExportResultCode.SUCCESS };
  const failed = { code: ExportResultCode.FAILED, error: new Error('deadline exceeded') };

  // A slow backend: the queue fills, exports still work.
  failures.queueFull(40);
  failures.settled(ok, 10, failures.started());
  t.same(lines, ['40 spans were dropped: the export queue was full (OTEL_BSP_MAX_QUEUE_SIZE), the backend at http://127.0.0.1:4317 takes them slower than the service makes them']);
  failures.queueFull(5);
  now += 30_000;
  failures.settled(ok, 10, failures.started());
  t.equal(lines.length, 1, 'not again within the minute');
  failures.queueFull(2);
  now += 31_000;
  failures.settled(ok, 10, failures.started());
  t.match(lines[1], /^7 spans were dropped: /, 'the next line counts all since the last');

  // A backend that hangs: the queue fills before the first export has failed; all of it is one outage.
  lines.length = 0;
  const hanging = failures.started();
  failures.queueFull(100);
  failures.settled(failed, 50, hanging);
  failures.queueFull(20);
  failures.settled(ok, 10, failures.started());
  t.equal(lines.length, 2, lines.join('\n'));
  t.match(lines[1], /works again \(170 spans were dropped while it failed\)$/, 'queue drops and failed exports, one number');
});

t.test('spans the app made unwritable are counted in the same number, with their own reason', async (t) => {
  const lines = warnings(t);
  let now = 0;
  const failures = new ExportFailures('spans', 'http://127.0.0.1:4317', () => now);
  const ok = { code: ExportResultCode.SUCCESS };

  failures.unwritable(3);
  failures.settled(ok, 10, failures.started());
  t.equal(lines.length, 1);
  t.match(lines[0], /^3 spans were dropped: the app gave them values no OTLP message can hold/, 'not blamed on the queue or the backend');
  t.notMatch(lines[0], /queue/);

  now += 61_000;
  failures.queueFull(40);
  failures.unwritable(2);
  failures.settled(ok, 10, failures.started());
  t.match(lines[1], /^42 spans were dropped: 40 as the export queue was full .*; 2 as the app gave them values/, 'one number, each reason with its share');

  now += 61_000;
  failures.settled(ok, 10, failures.started());
  t.equal(lines.length, 2, 'nothing dropped since: nothing said');
});
