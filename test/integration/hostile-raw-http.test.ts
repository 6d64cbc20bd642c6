// Malformed, odd and oversized requests, written byte for byte on raw sockets to a plain
// node:http service (test/fixtures/hostile/raw-http.js), bare and traced: bad methods,
// bad, missing and duplicate Host headers, odd targets (`*`, `//`, absolute URLs, bad
// percent-encoding, NUL and control bytes), control and non-ASCII bytes in header names
// and values, invalid HTTP versions, obs-fold continuations, a 20 KB request line, 2000
// headers, a 15 KB header and one beyond Node's limit (431). The same bytes come back
// (Date masked), the app logs the same and stays up (twins.ts); what the traced app
// exported is well-formed.
import t from 'tap';
import { fixture } from '../helpers/app.js';
import { rawExchange, sameOnBoth, startTwins } from '../helpers/twins.js';
import { assertWellFormedSpans } from '../helpers/spans.js';

const b = (text: string) => Buffer.from(text, 'latin1');
const request = (line: string, headers: string[] = ['Host: 127.0.0.1'], body = '') => b(`${line}\r\n${[...headers, 'Connection: close'].map((h) => `${h}\r\n`).join('')}\r\n${body}`);
const get = (headers: string[]) => request('GET /headers HTTP/1.1', ['Host: 127.0.0.1', ...headers]);

// Node refuses (431) a request of a thousand headers or more, short as they are: 2000
// are refused both ways, 500 are served.
const manyHeaders = (count: number) => Array.from({ length: count }, (_, i) => `h${i}: ${i}`);

const CASES: [string, Buffer][] = [
  ['method with a space (GE T)', request('GE T / HTTP/1.1')],
  ['unknown method FOO', request('FOO / HTTP/1.1')],
  ['a 10 KB method', request(`${'A'.repeat(10 * 1024)} / HTTP/1.1`)],
  ['lower-case method', request('get / HTTP/1.1')],
  ['no Host header (HTTP/1.1)', request('GET /no-host HTTP/1.1', [])],
  ['no Host header (HTTP/1.0)', request('GET /no-host HTTP/1.0', [])],
  ['Host with a space', request('GET /bad-host HTTP/1.1', ['Host: exa mple.com'])],
  ['Host an unclosed IPv6 bracket', request('GET /bad-host HTTP/1.1', ['Host: [::1'])],
  ['Host with a port of letters', request('GET /bad-host HTTP/1.1', ['Host: example.com:http'])],
  ['two Host headers', request('GET /two-hosts HTTP/1.1', ['Host: a.example', 'Host: b.example'])],
  ['empty Host', request('GET /empty-host HTTP/1.1', ['Host:'])],
  ['target *', request('OPTIONS * HTTP/1.1')],
  ['target * with GET', request('GET * HTTP/1.1')],
  ['target //', request('GET // HTTP/1.1')],
  ['target //host/path', request('GET //evil.example/path HTTP/1.1')],
  ['absolute-form target', request('GET http://x/abs?q=1 HTTP/1.1')],
  ['absolute-form with credentials', request('GET http://user:pass@x:99/abs HTTP/1.1')],
  ['authority-form target', request('CONNECT example.com:443 HTTP/1.1')],
  ['target /%', request('GET /% HTTP/1.1')],
  ['target /%ZZ and a bad query', request('GET /%ZZ?a=%&b=%E0%A4%A HTTP/1.1')],
  ['target with a raw NUL byte', request('GET /\u0000 HTTP/1.1')],
  ['target with %00', request('GET /%00 HTTP/1.1')],
  ['target with raw UTF-8 bytes', request('GET /caf\u00c3\u00a9 HTTP/1.1')],
  ['target with a control byte', request('GET /a\u0001b HTTP/1.1')],
  ['target with a tab', request('GET /a\tb HTTP/1.1')],
  ['target without a slash', request('GET relative HTTP/1.1')],
  ['dot segments', request('GET /../../etc/passwd HTTP/1.1')],
  ['control byte in a header value', get(['X-Value: a\u0001b'])],
  ['DEL in a header value', get(['X-Value: a\u007fb'])],
  ['NUL in a header value', get(['X-Value: a\u0000b'])],
  ['non-ASCII bytes in a header value', get(['X-Value: caf\u00c3\u00a9 \u00ff\u00fe'])],
  ['non-ASCII bytes in a header name', get(['X-Caf\u00c3\u00a9: 1'])],
  ['control byte in a header name', get(['X-\u0001: 1'])],
  ['space in a header name', get(['X Value: 1'])],
  ['space before the colon', get(['X-Value : 1'])],
  ['empty header name', get([': 1'])],
  ['header without a colon', get(['X-Value'])],
  ['traceparent and baggage garbage', get(['traceparent: 00-zz-zz-zz', 'tracestate: ,,,=,', 'baggage: %%%;;,=='])],
  ['obs-fold continuation', get(['X-Folded: first', '  continued'])],
  ['obs-fold on the first header', request('GET /fold HTTP/1.1', [' leading: fold', 'Host: 127.0.0.1'])],
  ['HTTP/1.2', request('GET / HTTP/1.2')],
  ['HTTP/2.0 in an HTTP/1 request line', request('GET / HTTP/2.0')],
  ['HTTP/9.9', request('GET / HTTP/9.9')],
  ['HTTX/1.1', request('GET / HTTX/1.1')],
  ['no version (HTTP/0.9 style)', b('GET /\r\n\r\n')],
  ['lower-case http/1.1', request('GET / http/1.1')],
  ['bare LF line endings', b('GET /lf HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n')],
  ['a 20 KB request line', request(`GET /${'a'.repeat(20 * 1024)} HTTP/1.1`)],
  ['Content-Length and Transfer-Encoding both', request('POST /both HTTP/1.1', ['Host: 127.0.0.1', 'Content-Length: 4', 'Transfer-Encoding: chunked'], '0\r\n\r\n')],
  ['negative Content-Length', request('POST /negative HTTP/1.1', ['Host: 127.0.0.1', 'Content-Length: -1'])],
  ['two different Content-Lengths', request('POST /two-lengths HTTP/1.1', ['Host: 127.0.0.1', 'Content-Length: 1', 'Content-Length: 2'], 'ab')],
  ['a bad chunk size', request('POST /chunks HTTP/1.1', ['Host: 127.0.0.1', 'Transfer-Encoding: chunked'], 'zz\r\nab\r\n0\r\n\r\n')],
  ['500 headers', get(manyHeaders(500))],
  ['2000 headers', get(manyHeaders(2000))],
  ['2000 headers of the same name', get(Array.from({ length: 2000 }, () => 'X-Same: 1'))],
  ['one 15 KB header', get([`X-Big: ${'b'.repeat(15 * 1024)}`])],
  ['one 15 KB traceparent', get([`traceparent: ${'0'.repeat(15 * 1024)}`])],
  ['headers beyond Node\'s limit (431)', get([`X-Huge: ${'h'.repeat(20 * 1024)}`])],
];

t.test('malformed and oversized requests on raw sockets: the same bytes back, the same log, still up', async (t) => {
  const twins = await startTwins(t, fixture('hostile', 'raw-http.js'));
  for (const [name, bytes] of CASES) {
    const { bare } = await sameOnBoth(t, twins, name, (port) => rawExchange(port, bytes, { timeoutMs: 5_000 }));
    if (name === "headers beyond Node's limit (431)") t.match(bare.answer, /^HTTP\/1\.1 431 /, 'bare: 431');
    if (name === '500 headers' || name === 'one 15 KB header') t.match(bare.answer, /^HTTP\/1\.1 200 /, `bare: ${name} served`);
  }
  assertWellFormedSpans(t, twins.receiver.spans);
});
