import { Kafka, logLevel } from 'kafkajs';
import { fixKafkajsIdleTimer } from '../messaging/kafkajs-idle-timer.ts';

// Every kafkajs client of this process (kafkajs-idle-timer.ts): no 1 ms wake-ups, no TimeoutNegativeWarning.
fixKafkajsIdleTimer();

/**
 * Deletes the topics and consumer groups a test run made (those whose names contain `marker`). A group can stay
 * NON_EMPTY for a moment after its consumers stopped, so deletion is retried briefly; a group still left over is empty
 * and harmless (its offsets expire), and housekeeping must not fail a run whose tests passed.
 */
export async function deleteKafkaArtifacts(brokers: string[], marker: string, clientId = 'test-cleanup'): Promise<void> {
  const admin = new Kafka({ brokers, clientId, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.includes(marker));
    if (topics.length) await admin.deleteTopics({ topics });
    for (let attempt = 1; attempt <= 10; attempt++) {
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.includes(marker));
      if (groups.length === 0) return;
      try {
        await admin.deleteGroups(groups);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  } finally {
    await admin.disconnect();
  }
}
