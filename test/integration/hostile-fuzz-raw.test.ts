// Property-based hostile clients (fast-check, fixed seed, bounded runs): a valid request
// mutated byte by byte (bytes inserted, deleted, replaced, strings inserted, lines
// duplicated), written on a raw socket and half-closed, to a plain node:http service
// (test/fixtures/hostile/raw-http.js, answering at once): the same bytes back (Date
// masked), the same log, still up, never a hang (a side that neither answers nor closes
// within 5 s fails the run); and every span the traced side exported well-formed. A
// failing run ends the property (endOnFailure) and is reported with its bytes.
import fc from 'fast-check';
import t from 'tap';
import { fixture } from '../helpers/app.js';
import { holds, spansOf } from '../helpers/fuzz.js';
import { compareOnBoth, rawExchange, startTwins } from '../helpers/twins.js';

const NEVER_ANSWERED = 'neither answered nor closed';

const TEMPLATES = [
  'GET /orders/1?x=1&y=%20 HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: fuzz/1.0\r\nAccept: */*\r\nConnection: close\r\n\r\n',
  'POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 13\r\nConnection: close\r\n\r\n{"a":[1,2,3]}',
  'GET /traced HTTP/1.1\r\nHost: 127.0.0.1\r\ntraceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\ntracestate: k=v\r\nbaggage: user=1,tenant=a\r\nConnection: close\r\n\r\n',
  'POST /chunks HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
  'GET /keep HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /then HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
];

type Mutation =
  | { kind: 'insert' | 'replace'; at: number; byte: number }
  | { kind: 'delete'; at: number }
  | { kind: 'insert-text'; at: number; text: string }
  | { kind: 'duplicate-line'; line: number };

const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(...[...':\r\n \t/%?#\0,;=-'].map((c) => c.charCodeAt(0))));
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom('insert' as const, 'replace' as const), at: fc.nat(), byte }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert-text' as const), at: fc.nat(), text: fc.constantFrom('\r\n', ': ', '%', '%00', '\0', ' HTTP/1.1', 'Host: x\r\n', 'Transfer-Encoding: chunked\r\n', 'Content-Length: 5\r\n', 'Content-Length: -1\r\n', '\r\n\r\n', 'é', '\u00ff') }),
  fc.record({ kind: fc.constant('duplicate-line' as const), line: fc.nat() }),
);

function mutate(template: string, mutations: Mutation[]): Buffer {
  let bytes = [...Buffer.from(template, 'latin1')];
  for (const m of mutations) {
    if (m.kind === 'duplicate-line') {
      const lines = Buffer.from(bytes).toString('latin1').split('\r\n');
      const index = m.line % lines.length;
      lines.splice(index, 0, lines[index] ?? '');
      bytes = [...Buffer.from(lines.join('\r\n'), 'latin1')];
      continue;
    }
    const at = m.at % (bytes.length + 1);
    const last = Math.min(at, bytes.length - 1);
    if (m.kind === 'delete') bytes.splice(last, 1);
    else if (m.kind === 'insert-text') bytes.splice(at, 0, ...Buffer.from(m.text, 'latin1'));
    else if (m.kind === 'insert') bytes.splice(at, 0, m.byte);
    else bytes.splice(last, 1, m.byte);
  }
  return Buffer.from(bytes);
}

t.test('node:http: any mutation of a valid request on a raw socket (fast-check)', async (t) => {
  const twins = await startTwins(t, fixture('hostile', 'raw-http.js'), { env: { RESPOND: 'at-once' } });
  let failed: { bytes: Buffer; failures: string[] } | undefined;
  const property = fc.asyncProperty(fc.nat({ max: TEMPLATES.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), async (template, mutations) => {
    const bytes = mutate(TEMPLATES[template] ?? '', mutations);
    const { bare, traced, failures } = await compareOnBoth(twins, `mutated request ${JSON.stringify(bytes.toString('latin1'))}`, (port) => rawExchange(port, bytes, { end: true, timeoutMs: 5_000 }));
    for (const side of [bare, traced]) if (typeof side.answer === 'string' && side.answer.includes(NEVER_ANSWERED)) failures.push(`a side ${NEVER_ANSWERED} within 5 s: ${side.answer.slice(-200)}`);
    if (failures.length > 0) failed = { bytes, failures };
    return failures.length === 0;
  });
  await holds(t, 'bare and traced alike for any mutated request', property, 200, 424242, async () =>
    failed === undefined ? '' : `the bytes: ${JSON.stringify(failed.bytes.toString('latin1'))}\n${failed.failures.join('\n').slice(0, 4000)}`,
  );
  await spansOf(t, twins);
});
