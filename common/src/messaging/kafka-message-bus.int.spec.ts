import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { KafkaMessageBus } from './kafka-message-bus.ts';
import { describeMessageBus } from './message-bus.suite.ts';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

describeMessageBus('kafka', () => ({
  createBus: (options) =>
    new KafkaMessageBus({ brokers, clientId: 'bus-contract-test', logger, retry: options?.retry, partitions: 3 }),
  timeoutMs: 30_000,
  async cleanup(marker) {
    const admin = new Kafka({ brokers, clientId: 'bus-contract-cleanup', logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const topics = (await admin.listTopics()).filter((t) => t.includes(marker));
      if (topics.length) await admin.deleteTopics({ topics });
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.includes(marker));
      if (groups.length) {
        try {
          await admin.deleteGroups(groups);
        } catch (err) {
          const failed = (err as { groups?: { groupId: string; error: { type: string } }[] }).groups ?? [];
          throw new Error(`could not delete groups: ${failed.map((g) => `${g.groupId} ${g.error.type}`).join(', ')}`);
        }
      }
    } finally {
      await admin.disconnect();
    }
  },
}));
