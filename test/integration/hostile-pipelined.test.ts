// A request pipelined after a failing one, on one keep-alive socket: `GET /throws` (or a
// route throwing a cyclic object) and `GET /health` written together, to Express 4 and 5,
// Fastify 5 and Koa 3, on Node 24 and on Node 22 (the oldest line supported). Bare and
// traced, the same bytes come back for both requests (Date masked, the preload's stack
// frames out of error pages), the app prints the same and stays up (twins.ts).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import t from 'tap';
import { fixture, repoRoot } from '../helpers/app.js';
import { THROWN } from '../helpers/thrown.js';
import { maskText, rawExchange, sameOnBoth, startTwins } from '../helpers/twins.js';

const node22 = join(execFileSync(join(repoRoot, 'scripts', 'node22.sh'), { encoding: 'utf8' }).trim(), 'node');

const FRAMEWORKS: [string, string, Record<string, string>][] = [
  ['Express 4', 'express-throws.js', { EXPRESS: '4' }],
  ['Express 5', 'express-throws.js', { EXPRESS: '5' }],
  ['Fastify 5', 'fastify-throws.js', {}],
  ['Koa 3', 'koa-throws.js', {}],
];

const pipelined = (first: string) =>
  Buffer.from(`GET ${first} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);

const FIRST: [string, string][] = [
  ['a thrown Error', '/throws'],
  ['a thrown cyclic object', `/sync/${THROWN.indexOf('cyclic object')}`],
  ['a rejected object holding a BigInt', `/async/${THROWN.indexOf('object holding a BigInt')}`],
];

for (const [nodeName, node] of [['Node 24', process.execPath], ['Node 22', node22]]) {
  for (const [framework, script, env] of FRAMEWORKS) {
    t.test(`${framework} on ${nodeName}: a request pipelined after a failing one`, async (t) => {
      const twins = await startTwins(t, fixture('hostile', script), { env, node });
      for (const [what, path] of FIRST) {
        const { bare } = await sameOnBoth(t, twins, `${framework} on ${nodeName}: /health pipelined after ${what}`, async (port) => maskText(await rawExchange(port, pipelined(path), { timeoutMs: 5_000 })));
        // (Koa itself dies of the BigInt: util.format('%j') in its error handler.)
        if (bare.alive) t.match(bare.answer, /HTTP\/1\.1 200 OK[\s\S]*\r\n\r\nok$/, `bare: the pipelined /health is answered (${framework} on ${nodeName}, after ${what})`);
      }
    });
  }
}
