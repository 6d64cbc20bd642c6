import t from 'tap';
import { findAppPackage } from '../../config/app-package.js';

t.test('nearest named package.json, from the entry script, then the working directory', async (t) => {
  const dir = t.testdir({
    'package.json': JSON.stringify({ name: 'monorepo-root', version: '0.0.0' }),
    services: {
      orders: {
        'package.json': JSON.stringify({ name: 'orders', version: '1.4.0' }),
        src: { 'package.json': JSON.stringify({ type: 'module' }), 'server.js': '' },
      },
    },
    'broken-json': { 'package.json': '{ not json', 'x.js': '' },
  });
  const orders = findAppPackage(`${dir}/services/orders/src/server.js`, '/');
  t.same([orders?.name, orders?.version], ['orders', '1.4.0'], 'skips the nameless marker package.json');
  t.equal(findAppPackage('services/orders/src/server.js', dir)?.name, 'orders', 'relative entry resolved against cwd');
  t.equal(findAppPackage(`${dir}/broken-json/x.js`, '/')?.name, 'monorepo-root', 'unparsable package.json skipped');
  t.equal(findAppPackage(undefined, `${dir}/services/orders`)?.name, 'orders', 'no entry script (node -e): cwd');
});
