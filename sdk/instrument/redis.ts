/**
 * `db.query.text` of a Redis command (instrumentation-redis and -ioredis), without the
 * values it carries: the command's name, the arguments that name what it works on
 * (its key; HSET's field, LSET's index), then `[N other arguments]`; no other pass
 * changes it (the SQL literals pass leaves Redis alone). Upstream's own
 * serializer does the same for SET, HSET, LPUSH and their kind, but records every
 * argument of the set, list, sorted-set, geo, stream and script commands
 * (`SISMEMBER users alice@example.com`, `LREM cards 0 4111-…`, `EVAL … token`): a
 * member, a list value or a script's argument is the app's data. Which arguments are
 * kept follows upstream's grouping of the commands; a command in none of its groups
 * (AUTH, HELLO, MIGRATE, …) is recorded by its name alone, as upstream records it.
 */
// EVAL's first argument is the script itself, which an app may build with values in it: not kept (EVALSHA's digest is).
const NAME_ONLY = /^(ECHO|EVAL$|EVAL_RO$)/i;
const KEY_AND_FIELD = /^(HSET|HMSET|LSET|LINSERT)/i;
const KEY = /^(GETSET|LPUSH|MSET|PFA|PSETEX|PUBLISH|RPUSH|SADD|SET|SPUBLISH|XADD|ZADD|ACL|CONFIG|BIT|B[LRZ]|CLIENT|CLUSTER|COMMAND|DECR|DEL|EVAL|EX|FUNCTION|GEO|GET|HINCR|HMGET|HSCAN|INCR|L[TRLM]|MEMORY|P[EFISTU]|RPOP|S[CDIMORSU]|XACK|X[CDGILPRT]|Z[CDILMPRS])/i;

export function redisStatement(command: string, args: unknown[]): string {
  if (!Array.isArray(args) || args.length === 0) return command;
  const kept = NAME_ONLY.test(command) ? 0 : KEY_AND_FIELD.test(command) ? 2 : KEY.test(command) ? 1 : 0;
  const named = args.slice(0, kept).map(String);
  const others = args.length - named.length;
  return [command, ...named, ...(others > 0 ? [`[${others} other arguments]`] : [])].join(' ');
}
