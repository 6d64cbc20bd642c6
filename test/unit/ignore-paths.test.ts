import t from 'tap';
import { ignoresPath } from '../../sdk/http-server/ignore-paths.js';

t.test('exact paths and * prefixes, query ignored', async (t) => {
  const patterns = ['/health', '/internal/*'];
  const rows: [string | undefined, boolean][] = [
    ['/health', true],
    ['/health?verbose=1', true],
    ['/healthz', false],
    ['/health/deep', false],
    ['/internal/', true],
    ['/internal/jobs/1', true],
    ['/internals', false],
    ['/api/tasks', false],
    [undefined, false],
  ];
  for (const [url, expected] of rows) t.equal(ignoresPath(patterns, url), expected, String(url));
  t.equal(ignoresPath([], '/health'), false, 'empty list ignores nothing');
});
