// The thrown-values cases of the hostile-throws-* tests: for each route mode of a
// fixture (/sync/:i, /async/:i, …) and each value of test/fixtures/hostile/thrown-values.js,
// the same answer, output and fate bare and traced (twins.ts).
import type { Test } from 'tap';
import { fixture } from './app.js';
import { fetchAnswer, sameOnBoth, type Twins } from './twins.js';

export const THROWN: readonly string[] = (require(fixture('hostile', 'thrown-values.js')) as { NAMES: string[] }).NAMES;

/** A framework answers an error in milliseconds; one that leaves the request unanswered (Koa, for null) is compared as such. */
const ANSWER_TIMEOUT_MS = 3_000;

export interface ThrownCases {
  framework: string;
  /** Route prefixes: /<mode>/<i>. */
  modes: readonly string[];
}

export async function thrownCases(t: Test, twins: Twins, { framework, modes }: ThrownCases): Promise<void> {
  for (const mode of modes) {
    for (const [index, name] of THROWN.entries()) {
      await sameOnBoth(t, twins, `${framework}, ${mode}: ${name}`, (port) => fetchAnswer(port, `/${mode}/${index}`, { timeoutMs: ANSWER_TIMEOUT_MS }));
    }
  }
  await sameOnBoth(t, twins, `${framework}: a plain Error afterwards`, (port) => fetchAnswer(port, '/throws'));
}
