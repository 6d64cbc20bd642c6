/**
 * Every instrumentation a user can turn on by name, with the short names of
 * `@opentelemetry/auto-instrumentations-node` (its package names without the
 * `@opentelemetry/instrumentation-` prefix) and the class each package exports.
 *
 * Kept as a table instead of importing auto-instrumentations-node, whose index
 * loads all forty packages at once; with the table we `require` only the ones
 * enabled. A unit test keeps this table in step with that package.
 */
export const INSTRUMENTATION_CLASSES = {
  amqplib: 'AmqplibInstrumentation',
  'aws-lambda': 'AwsLambdaInstrumentation',
  'aws-sdk': 'AwsInstrumentation',
  bunyan: 'BunyanInstrumentation',
  'cassandra-driver': 'CassandraDriverInstrumentation',
  connect: 'ConnectInstrumentation',
  cucumber: 'CucumberInstrumentation',
  dataloader: 'DataloaderInstrumentation',
  dns: 'DnsInstrumentation',
  express: 'ExpressInstrumentation',
  fs: 'FsInstrumentation',
  'generic-pool': 'GenericPoolInstrumentation',
  graphql: 'GraphQLInstrumentation',
  grpc: 'GrpcInstrumentation',
  hapi: 'HapiInstrumentation',
  'host-metrics': 'HostMetricsInstrumentation',
  http: 'HttpInstrumentation',
  ioredis: 'IORedisInstrumentation',
  kafkajs: 'KafkaJsInstrumentation',
  knex: 'KnexInstrumentation',
  koa: 'KoaInstrumentation',
  'lru-memoizer': 'LruMemoizerInstrumentation',
  memcached: 'MemcachedInstrumentation',
  mongodb: 'MongoDBInstrumentation',
  mongoose: 'MongooseInstrumentation',
  mysql2: 'MySQL2Instrumentation',
  mysql: 'MySQLInstrumentation',
  'nestjs-core': 'NestInstrumentation',
  net: 'NetInstrumentation',
  openai: 'OpenAIInstrumentation',
  oracledb: 'OracleInstrumentation',
  pg: 'PgInstrumentation',
  pino: 'PinoInstrumentation',
  redis: 'RedisInstrumentation',
  restify: 'RestifyInstrumentation',
  router: 'RouterInstrumentation',
  'runtime-node': 'RuntimeNodeInstrumentation',
  'socket.io': 'SocketIoInstrumentation',
  tedious: 'TediousInstrumentation',
  undici: 'UndiciInstrumentation',
  winston: 'WinstonInstrumentation',
} as const;

export type InstrumentationName = keyof typeof INSTRUMENTATION_CLASSES;

export function isInstrumentationName(name: string): name is InstrumentationName {
  return Object.hasOwn(INSTRUMENTATION_CLASSES, name);
}

export function instrumentationPackage(name: InstrumentationName): string {
  return `@opentelemetry/instrumentation-${name}`;
}
