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

/**
 * The modules each instrumentation patches (its module definitions' names): the
 * first `require` or `import` of one of them activates the instrumentation
 * (sdk/instrument/activation.ts). A unit test keeps this in step with each package's
 * getModuleDefinitions(). Empty: the instrumentation patches no module of the app
 * (diagnostics channels, metrics, Lambda's handler) and is started with the SDK.
 */
export const INSTRUMENTED_MODULES: Record<InstrumentationName, readonly string[]> = {
  amqplib: ['amqplib'],
  'aws-lambda': [],
  'aws-sdk': ['@aws-sdk/middleware-stack', '@smithy/middleware-stack', '@smithy/core', '@aws-sdk/smithy-client', '@smithy/smithy-client'],
  bunyan: ['bunyan'],
  'cassandra-driver': ['cassandra-driver'],
  connect: ['connect'],
  cucumber: ['@cucumber/cucumber'],
  dataloader: ['dataloader'],
  dns: ['dns', 'dns/promises'],
  express: ['express'],
  fs: ['fs', 'fs/promises'],
  'generic-pool': ['generic-pool'],
  graphql: ['graphql'],
  grpc: ['@grpc/grpc-js'],
  hapi: ['@hapi/hapi'],
  'host-metrics': [],
  http: ['http', 'https'],
  ioredis: ['ioredis'],
  kafkajs: ['kafkajs'],
  knex: ['knex'],
  koa: ['koa'],
  'lru-memoizer': ['lru-memoizer'],
  memcached: ['memcached'],
  mongodb: ['mongodb'],
  mongoose: ['mongoose'],
  mysql2: ['mysql2'],
  mysql: ['mysql'],
  'nestjs-core': ['@nestjs/core'],
  net: ['net'],
  openai: ['openai'],
  oracledb: ['oracledb'],
  pg: ['pg', 'pg-pool'],
  pino: ['pino'],
  redis: ['redis', '@redis/client', '@node-redis/client'],
  restify: ['restify'],
  router: ['router'],
  'runtime-node': [],
  'socket.io': ['socket.io'],
  tedious: ['tedious'],
  undici: [],
  winston: ['winston'],
};

/**
 * Available by default, but started only when a user lists them in
 * OTEL_NODE_ENABLED_INSTRUMENTATIONS (docs/instrumentations.md says why):
 * fs, dns and net patch built-ins that every program uses, and make a span for
 * each file read, lookup or socket — mostly noise around the spans that matter;
 * host-metrics and runtime-node make metrics, not spans (runtime-node joins the
 * set when metrics are exported); aws-lambda has no module to wait for and
 * patches the Lambda handler, for Lambda's own runtime only; router is what
 * Express 5 is built on, and its span per layer is what Express's layer spans are
 * (off unless OTEL_PRELOAD_EXPRESS_LAYERS asks: the server span carries the route);
 * nestjs-core makes a "Create Nest App" span at start-up and two spans per request
 * (Nest's request context and handler), where issue 14 asks for none at start-up
 * and at most one per request; our own (sdk/http-server/nest.ts) puts the controller,
 * method and exceptions on the server span instead.
 */
export const NAMED_ONLY: readonly InstrumentationName[] = ['fs', 'dns', 'net', 'host-metrics', 'runtime-node', 'aws-lambda', 'router', 'nestjs-core'];

/**
 * Packages the framework adapters of our own server spans patch (sdk/http-server/:
 * errors and handler names), beside the catalogue's.
 */
export const ADAPTER_MODULES: readonly string[] = ['express', 'router', 'finalhandler', 'koa', '@nestjs/core'];

/**
 * The inner files (not the package's main module) that an instrumentation of the
 * catalogue or an adapter of ours patches, by package, as require-in-the-middle names
 * them: what a bundle built with our plugins hands on besides each package's main
 * module (bundlers/). A unit test keeps this in step with each one's getModuleDefinitions().
 */
export const PATCHED_FILES: Readonly<Record<string, readonly string[]>> = {
  '@aws-sdk/middleware-stack': ['@aws-sdk/middleware-stack/dist-cjs/MiddlewareStack.js', '@aws-sdk/middleware-stack/dist/cjs/MiddlewareStack.js'],
  '@cucumber/cucumber': ['@cucumber/cucumber/lib/runtime/test_case_runner.js'],
  '@nestjs/core': ['@nestjs/core/exceptions/exceptions-handler.js', '@nestjs/core/nest-factory.js', '@nestjs/core/router/router-execution-context.js'],
  '@node-redis/client': ['@node-redis/client/dist/lib/client/index.js', '@node-redis/client/dist/lib/client/multi-command.js', '@node-redis/client/dist/lib/cluster/index.js', '@node-redis/client/dist/lib/cluster/multi-command.js', '@node-redis/client/dist/lib/commander.js'],
  '@redis/client': ['@redis/client/dist/lib/client/index.js', '@redis/client/dist/lib/client/multi-command.js', '@redis/client/dist/lib/cluster/index.js', '@redis/client/dist/lib/cluster/multi-command.js', '@redis/client/dist/lib/commander.js'],
  '@smithy/core': ['@smithy/core/dist-cjs/submodules/client/index.js'],
  amqplib: ['amqplib/lib/callback_model.js', 'amqplib/lib/channel_model.js', 'amqplib/lib/connect.js'],
  'cassandra-driver': ['cassandra-driver/lib/request-execution.js'],
  express: ['express/lib/router/layer.js'],
  graphql: ['graphql/execution/execute.js', 'graphql/language/parser.js', 'graphql/validation/validate.js'],
  kafkajs: ['kafkajs/src/consumer/index.js', 'kafkajs/src/producer/index.js'],
  knex: ['knex/lib/client.js', 'knex/lib/execution/runner.js', 'knex/lib/runner.js', 'knex/src/client.js', 'knex/src/runner.js'],
  koa: ['koa/lib/context.js'],
  mongodb: ['mongodb/lib/cmap/connect.js', 'mongodb/lib/cmap/connection.js', 'mongodb/lib/cmap/connection_pool.js', 'mongodb/lib/core/wireprotocol/index.js', 'mongodb/lib/sessions.js'],
  mysql2: ['mysql2/lib/connection.js', 'mysql2/promise.js'],
  pg: ['pg/lib/client.js', 'pg/lib/native/client.js'],
  restify: ['restify/lib/server.js'],
  router: ['router/lib/layer.js'],
  'socket.io': ['socket.io/dist/broadcast-operator.js', 'socket.io/dist/namespace.js', 'socket.io/dist/socket.js', 'socket.io/lib/namespace.js', 'socket.io/lib/socket.js'],
  winston: ['winston/lib/winston/logger.js'],
};
