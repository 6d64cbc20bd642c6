// Shared by the hostile-fuzz-* tests: a fast-check property run to its first
// counterexample, reported with what the comparison found; and the check that what the
// traced side exported is well-formed.
import fc from 'fast-check';
import type { Test } from 'tap';
import { assertWellFormedSpans } from './spans.js';
import { fetchAnswer, type Twins } from './twins.js';

/** Runs a property to its first counterexample, reported with what the comparison found. */
export async function holds(t: Test, name: string, property: fc.IAsyncPropertyWithHooks<unknown[]>, numRuns: number, seed: number, explain: () => Promise<string>): Promise<void> {
  try {
    await fc.assert(property, { seed, numRuns, endOnFailure: true });
    t.pass(`${name}: ${numRuns} runs (seed ${seed})`);
  } catch (error) {
    t.fail(`${name}: ${(error as Error).message.split('\n').slice(0, 6).join('\n')}\n${await explain()}`);
  }
}

/** Once a last request's span has come in (spans are exported in the order they end), every span the traced side exported is well-formed. */
export async function spansOf(t: Test, twins: Twins): Promise<void> {
  const probe = `/probe-${Date.now()}`;
  await fetchAnswer(twins.traced.app.port, probe);
  if (process.env['HOSTILE_BARE_TWICE'] !== '1') {
    await twins.receiver.waitForSpans((spans) => spans.some((span) => span.attributes['url.path'] === probe), 15_000).catch(() => t.fail('the last request\'s span never came in'));
  }
  assertWellFormedSpans(t, twins.receiver.spans);
}
