import t from 'tap';
import { redisStatement } from '../../sdk/instrument/redis.js';

t.test("a Redis command's text keeps what it works on, never the values it carries", async (t) => {
  const rows: [string, unknown[], string][] = [
    ['SET', ['session:42', 'token-hunter2'], 'SET session:42 [1 other arguments]'],
    ['HSET', ['user:1', 'email', 'alice@example.com'], 'HSET user:1 email [1 other arguments]'],
    ['GET', ['session:42'], 'GET session:42'],
    // Upstream records every argument of these.
    ['SISMEMBER', ['users', 'alice@example.com'], 'SISMEMBER users [1 other arguments]'],
    ['SREM', ['users', 'alice@example.com'], 'SREM users [1 other arguments]'],
    ['LREM', ['cards', '0', '4111-1111'], 'LREM cards [2 other arguments]'],
    ['ZINCRBY', ['scores', '5', 'ssn-123'], 'ZINCRBY scores [2 other arguments]'],
    ['GEOADD', ['places', '13.4', '52.5', 'home-of-alice'], 'GEOADD places [3 other arguments]'],
    ['EVAL', ["return redis.call('GET', 'token-hunter2')", '0'], 'EVAL [2 other arguments]'],
    ['evalsha', ['3c6b…', '1', 'k', 'token'], 'evalsha 3c6b… [3 other arguments]'],
    ['EVALSHA_RO', ['3c6b…', '0', 'token'], 'EVALSHA_RO 3c6b… [2 other arguments]'],
    // No key first: the name alone, as upstream.
    ['AUTH', ['app', 'hunter2'], 'AUTH [2 other arguments]'],
    ['ECHO', ['hello'], 'ECHO [1 other arguments]'],
    ['PING', [], 'PING'],
    ['SET', [Buffer.from('k'), Buffer.from('v')], 'SET k [1 other arguments]'],
  ];
  for (const [command, args, expected] of rows) t.equal(redisStatement(command, args), expected, `${command} ${args.length}`);
});
