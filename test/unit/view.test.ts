// The viewer's pieces without a network: the tree from a recorded OTLP payload
// (golden output), trace assembly with late spans, and the memory bounds.
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import t from 'tap';
import { spansFromRequest } from '../../receiver/decode.js';
import { decodeTraceRequest } from '../../receiver/decode.js';
import type { CollectedSpan } from '../../receiver/index.js';
import { type AssembledTrace, TraceAssembler } from '../../view/assembler.js';
import { LogsBySpan } from '../../view/logs.js';
import { escapeControls, escapeJsonControls } from '../../view/escape.js';
import { renderTrace } from '../../view/tree.js';
import { fixture } from '../helpers/app.js';

/** The spans of one real POST /api/tasks of the example, as its preload exported them (OTLP/JSON). */
function recordedSpans(): CollectedSpan[] {
  const payloads = JSON.parse(readFileSync(fixture('otlp', 'create-task.json'), 'utf8')) as unknown[];
  return payloads.flatMap((payload) => spansFromRequest(decodeTraceRequest(Buffer.from(JSON.stringify(payload)), 'json')));
}

t.test('a recorded create-task trace renders as the golden tree', async (t) => {
  const spans = recordedSpans();
  const golden = readFileSync(fixture('otlp', 'create-task.tree.txt'), 'utf8');
  t.equal(`${renderTrace(spans)}\n`, golden);
  t.notMatch(renderTrace(spans), /\x1b\[/, 'no colour unless asked');
  t.match(renderTrace(spans, { colour: true }), /\x1b\[1m/, 'colour when asked');
});

t.test('errors stand out', async (t) => {
  const spans = recordedSpans();
  const failing = spans.map((span) => (span.kind === 'consumer' ? { ...span, status: { code: 'error' as const, message: 'crawl target answered HTTP 502' } } : span));
  const text = renderTrace(failing);
  t.match(text, /process web-crawl-tasks \(consumer\).*ERROR crawl target answered HTTP 502/);
  t.match(renderTrace(failing, { colour: true }), /\x1b\[1;31mprocess web-crawl-tasks/);
});

t.test('log lines appear under the span they were written in', async (t) => {
  const spans = recordedSpans();
  const consumer = spans.find((span) => span.kind === 'consumer') as CollectedSpan;
  const logs = new LogsBySpan();
  t.ok(logs.addLine(JSON.stringify({ level: 30, msg: 'task running', trace_id: consumer.traceId, span_id: consumer.spanId })));
  t.notOk(logs.addLine('{"msg":"outside any span"}'), 'a line without ids is not kept');
  t.notOk(logs.addLine('not json'), 'nor a line that is not JSON');
  const lines = renderTrace(spans, { logsFor: (id) => logs.forSpan(id) }).split('\n');
  const at = lines.findIndex((line) => line.includes('process web-crawl-tasks'));
  t.match(lines[at + 1], '· log: task running', 'right under its span');
});

t.test('a piped pino line is one record even with a raw U+2028, CR or a partial last line', async (t) => {
  const logs = new LogsBySpan();
  const passed: string[] = [];
  const input = new PassThrough();
  const done = logs.follow(input, (line) => passed.push(line));
  // pino (like JSON.stringify) leaves U+2028/U+2029 raw inside strings; readline would split there.
  input.write(`${JSON.stringify({ msg: 'a\u2028b\u2029c', trace_id: 't', span_id: 's1' })}\r\n{"msg":"spl`);
  input.write(`it","trace_id":"t","span_id":"s2"}\nplain\rtext\n`);
  input.end(JSON.stringify({ msg: 'no final newline', trace_id: 't', span_id: 's3' }));
  await done;
  t.equal(logs.forSpan('s1')[0]?.msg, 'a\u2028b\u2029c', 'kept whole, CRLF ending accepted');
  t.equal(logs.forSpan('s2')[0]?.msg, 'split', 'a line split across chunks');
  t.equal(logs.forSpan('s3')[0]?.msg, 'no final newline', 'the last line, once the input ends');
  t.same(passed, ['plain\rtext'], 'a text line passes through whole (the printer escapes its CR)');
});

t.test('log memory is bounded', async (t) => {
  const logs = new LogsBySpan(undefined, 100);
  for (let i = 0; i < 1000; i++) logs.addLine(JSON.stringify({ msg: `m${i}`, trace_id: 't', span_id: `s${i}` }));
  t.same(logs.forSpan('s0'), [], 'the oldest are forgotten');
  t.equal(logs.forSpan('s999')[0]?.msg, 'm999');
});

t.test('late spans are merged into their trace, shown again as updated', async (t) => {
  const spans = recordedSpans();
  const shown: AssembledTrace[] = [];
  const assembler = new TraceAssembler({ quietMillis: 100, onTrace: (trace) => shown.push(trace) });
  const producerSide = spans.filter((span) => span.kind !== 'consumer' && !span.name.startsWith('pg.query:UPDATE'));
  const late = spans.filter((span) => !producerSide.includes(span));
  assembler.add(producerSide.slice(0, 3));
  await new Promise((resolve) => setTimeout(resolve, 30));
  assembler.add(producerSide.slice(3));
  await new Promise((resolve) => setTimeout(resolve, 250));
  t.equal(shown.length, 1, 'spans arriving within the quiet window make one trace');
  t.equal(shown[0]?.spans.length, producerSide.length);
  t.equal(shown[0]?.updated, false);
  assembler.add(late);
  await new Promise((resolve) => setTimeout(resolve, 250));
  t.equal(shown.length, 2, 'late spans show the trace again');
  t.equal(shown[1]?.traceId, shown[0]?.traceId, 'the same trace, not a second one');
  t.equal(shown[1]?.spans.length, spans.length, 'with all its spans');
  t.equal(shown[1]?.updated, true);
  t.match(renderTrace(shown[1]?.spans ?? [], { updated: true }).split('\n')[0], '(updated: late spans joined)');
});

t.test('traces are evicted past the bound, oldest first', async (t) => {
  const shown: AssembledTrace[] = [];
  const assembler = new TraceAssembler({ quietMillis: 10_000, maxTraces: 10, maxSpansPerTrace: 5, onTrace: (trace) => shown.push(trace) });
  const template = recordedSpans()[0];
  for (let i = 0; i < 100; i++) assembler.add([{ ...template, traceId: i.toString(16).padStart(32, '0') }]);
  t.equal(assembler.size, 10);
  for (let i = 0; i < 20; i++) assembler.add([{ ...template, traceId: '99'.padStart(32, '0'), spanId: String(i) }]);
  assembler.flush();
  t.equal(shown.length, 10);
  const expected = [...Array.from({ length: 9 }, (_, i) => (0x5b + i).toString(16)), '99'];
  t.same(shown.map((trace) => trace.traceId.replace(/^0+/, '')).sort(), expected.sort(), 'the ten newest traces are kept');
  t.ok(!shown.some((trace) => trace.traceId.endsWith('00')), 'the first traces were forgotten');
  t.equal(shown.find((trace) => trace.traceId.endsWith('99'))?.spans.length, 5, 'spans per trace are bounded too');
});

t.test('control characters in received text are shown escaped, never acted on by the terminal', async (t) => {
  const cases: [string, string][] = [
    ['\x1b[2Jcleared', '\\x1b[2Jcleared'],
    ['\x1b]0;owned\x07title', '\\x1b]0;owned\\x07title'],
    ['ok\r\nFAKE LINE', 'ok\\r\\nFAKE LINE'],
    ['tab\there', 'tab\\there'],
    ['nul\x00del\x7f', 'nul\\x00del\\x7f'],
    ['c1 \u009b2J \u009d0;t\u009c', 'c1 \\x9b2J \\x9d0;t\\x9c'],
    ['line\u2028para\u2029', 'line\\u2028para\\u2029'],
    ['bidi \u202egnp.exe\u202c \u2066x\u2069 \u200f\u061c', 'bidi \\u202egnp.exe\\u202c \\u2066x\\u2069 \\u200f\\u061c'],
    ['plain é ü 漢字 \\x1b C:\\dir', 'plain é ü 漢字 \\x1b C:\\dir'],
  ];
  for (const [raw, shown] of cases) t.equal(escapeControls(raw), shown, `shown as ${shown}`);
  const json = escapeJsonControls(JSON.stringify({ k: 'a\u009b\u2028\u202e\x1b' }));
  t.notMatch(json, /[\u0080-\u009f\u2028\u202e\x1b]/, 'the JSON form keeps none raw');
  t.same(JSON.parse(json), { k: 'a\u009b\u2028\u202e\x1b' }, 'and still decodes to the exact text');
});

t.test('the tree shows hostile names, attributes, status and log lines escaped', async (t) => {
  const [template] = recordedSpans();
  const evil = '\x1b[2J\x1b]0;title\x07\r\nFAKE';
  const span: CollectedSpan = {
    ...template,
    parentSpanId: undefined,
    kind: 'client',
    name: `name${evil}`,
    attributes: { 'db.system.name': `db${evil}`, 'db.query.text': `SELECT ${evil}`, 'url.full': `http://x/${evil}`, 'http.response.status_code': `5${evil}` },
    status: { code: 'error', message: `status${evil}` },
    resource: { 'service.name': `svc${evil}` },
  };
  const logs = new LogsBySpan();
  logs.addLine(JSON.stringify({ level: 50, msg: `log${evil}`, trace_id: span.traceId, span_id: span.spanId }));
  for (const colour of [false, true]) {
    const text = renderTrace([span, { ...span, spanId: 'child', parentSpanId: span.spanId }], { colour, logsFor: (id) => logs.forSpan(id) });
    const withoutOurColours = text.replace(/\x1b\[[0-9;]*m/g, '');
    t.notMatch(withoutOurColours, /[\x00-\x09\x0b-\x1f\x7f]/, `no control character from the data (colour ${colour})`);
    t.notOk(text.split('\n').some((line) => line.startsWith('FAKE')), 'no forged line');
    for (const shown of ['name\\x1b[2J\\x1b]0;title\\x07\\r\\nFAKE', 'svc\\x1b[2J', 'db\\x1b[2J', 'status\\x1b[2J', 'log\\x1b[2J', 'http://x/\\x1b[2J']) {
      t.ok(withoutOurColours.includes(shown), `shows ${shown}`);
    }
  }
});
