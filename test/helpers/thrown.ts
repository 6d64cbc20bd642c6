// The thrown-values cases of the hostile-throws-* tests: for each route mode of a
// fixture (/sync/:i, /async/:i, …) and each value of test/fixtures/hostile/thrown-values.js,
// the same answer, output and fate bare and traced (twins.ts).
import type { Test } from 'tap';
import { fixture } from './app.js';
import { fetchAnswer, sameOnBoth, type Twins } from './twins.js';

export const THROWN: readonly string[] = (require(fixture('hostile', 'thrown-values.js')) as { NAMES: string[] }).NAMES;

/** A framework answers an error in milliseconds; one that leaves the request unanswered (Koa, for null) is compared as such. */
const ANSWER_TIMEOUT_MS = 3_000;

/**
 * Fastify 5 handles a thrown Proxy otherwise as soon as anything subscribes to its
 * fastify.request.handler tracing channel, as the preload must to name routes: a handler
 * or preHandler throwing it is answered 500 instead of 200, and a rejection with it kills
 * the process (setErrorStatusCode in wrap-thenable.js reads it on the traced path only).
 * Checked bare with a subscriber that does nothing; not the preload's doing, and not one
 * it could avoid but by giving up the channel.
 */
export const FASTIFY_PROXY = 'Proxy whose traps all throw';
export const FASTIFY_PROXY_REASON = 'Fastify itself handles a thrown Proxy otherwise once anything subscribes to its handler channel';

export interface ThrownCases {
  framework: string;
  /** Route prefixes: /<mode>/<i>. */
  modes: readonly string[];
  /** Values left out for this framework, each with the reason. */
  skip?: Readonly<Record<string, string>>;
  /** The modes `skip` applies to; all when absent. */
  skipIn?: readonly string[];
}

export async function thrownCases(t: Test, twins: Twins, { framework, modes, skip = {}, skipIn }: ThrownCases): Promise<void> {
  for (const name of Object.keys(skip)) if (!THROWN.includes(name)) throw new Error(`no thrown value named ${name}`);
  for (const mode of modes) {
    for (const [index, name] of THROWN.entries()) {
      if (skip[name] !== undefined && (skipIn === undefined || skipIn.includes(mode))) continue;
      await sameOnBoth(t, twins, `${framework}, ${mode}: ${name}`, (port) => fetchAnswer(port, `/${mode}/${index}`, { timeoutMs: ANSWER_TIMEOUT_MS }));
    }
  }
  await sameOnBoth(t, twins, `${framework}: a plain Error afterwards`, (port) => fetchAnswer(port, '/throws'));
}
