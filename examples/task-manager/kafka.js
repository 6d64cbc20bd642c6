import { Kafka, logLevel as kafkaLogLevel, Partitioners } from 'kafkajs';
import { config } from './config.js';

const TO_PINO = {
  [kafkaLogLevel.ERROR]: 'error',
  [kafkaLogLevel.WARN]: 'warn',
  [kafkaLogLevel.INFO]: 'info',
  [kafkaLogLevel.DEBUG]: 'debug',
};

/** kafkajs' own log lines go through pino (as JSON lines), at KAFKA_LOG_LEVEL and above. */
function pinoLogCreator(logger) {
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  return () => ({ namespace, level, log }) => {
    const { message, timestamp: _timestamp, logger: _name, ...extra } = log;
    kafkaLogger[TO_PINO[level] ?? 'info']({ namespace, ...extra }, message);
  };
}

export function createKafka({ clientId, logger }) {
  return new Kafka({
    clientId,
    brokers: config.kafkaBrokers,
    logLevel: kafkaLogLevel[config.kafkaLogLevel],
    logCreator: pinoLogCreator(logger),
    connectionTimeout: 3_000,
    retry: { initialRetryTime: 300, retries: 8 },
  });
}

/**
 * Creates the task topic (1 partition, replication factor 1) if it is missing, so that
 * the producer and the consumer do not race the broker's auto-creation.
 */
export async function ensureTopic(kafka, topic = config.kafkaTopic) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    // Checked first: createTopics on an existing topic works (it returns false) but makes
    // kafkajs log a "Topic creation errors" error line.
    if ((await admin.listTopics()).includes(topic)) return false;
    // false as well when another process created it in the meantime
    return await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
    });
  } finally {
    await admin.disconnect();
  }
}

/** A connected producer and the one function the API needs from it. */
export async function createTaskPublisher(kafka, topic = config.kafkaTopic) {
  const producer = kafka.producer({
    // The v2 default partitioner, chosen explicitly: this also silences kafkajs'
    // "KafkaJS v2.0.0 switched default partitioner" warning.
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  await producer.connect();

  async function publishTask(task) {
    const key = String(task.id);
    await producer.send({
      topic,
      acks: -1,
      messages: [{ key, value: JSON.stringify({ id: task.id }) }],
    });
  }

  return { producer, publishTask, disconnect: () => producer.disconnect() };
}
