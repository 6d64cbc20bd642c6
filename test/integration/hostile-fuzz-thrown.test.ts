// Property-based hostile services (fast-check, fixed seeds, bounded runs): a thrown
// value generated from a seed (test/fixtures/hostile/fuzz-throw.js): anything fast-check
// makes and containers of it; then also each of thrown-values.js inside those; thrown and
// rejected in Express 5 and Fastify 5: the same answer, output and fate bare and traced
// (twins.ts), and every span the traced side exported well-formed. A failing run ends
// the property (endOnFailure) and is reported with its seed and the value.
import fc from 'fast-check';
import t from 'tap';
import { fixture } from '../helpers/app.js';
import { holds, spansOf } from '../helpers/fuzz.js';
import { compareOnBoth, fetchAnswer, startTwins } from '../helpers/twins.js';

const KINDS = [
  ['anything', 'anything fast-check makes (and containers of it)', 20251205],
  ['hostile', 'that, the values of thrown-values.js, and containers of both', 20251206],
] as const;

for (const [framework, name] of [['express', 'Express 5'], ['fastify', 'Fastify 5']] as const) {
  t.test(`${name}: any thrown value (fast-check), thrown and rejected`, async (t) => {
    const twins = await startTwins(t, fixture('hostile', 'fuzz-throw.js'), { env: { FRAMEWORK: framework } });
    for (const [kind, what, seed] of KINDS) {
      let failed: { path: string; failures: string[] } | undefined;
      const property = fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.constantFrom('throw', 'reject'), async (valueSeed, mode) => {
        const path = `/${mode}/${valueSeed}?kind=${kind}`;
        const { failures } = await compareOnBoth(twins, `${name} ${path}`, (port) => fetchAnswer(port, path, { timeoutMs: 3_000 }));
        if (failures.length > 0) failed = { path, failures };
        return failures.length === 0;
      });
      await holds(t, `${name}: bare and traced alike for ${what}`, property, 100, seed, async () => {
        if (failed === undefined) return '';
        const [, , valueSeed] = failed.path.split(/[/?]/);
        // Asked of both, so that both print the same for it.
        const describePath = `/describe/${valueSeed}?kind=${kind}`;
        const [described] = await Promise.all([fetchAnswer(twins.bare.app.port, describePath), fetchAnswer(twins.traced.app.port, describePath)]);
        const value = described.body ?? '<the bare app does not answer>';
        return `the value of ${failed.path}:\n${value.slice(0, 1500)}\n${failed.failures.join('\n').slice(0, 4000)}`;
      });
    }
    await spansOf(t, twins);
  });
}
