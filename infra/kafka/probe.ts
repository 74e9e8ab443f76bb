// Is a Kafka broker answering? Used for readiness and for "reuse what already runs".
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { fixKafkajsIdleTimer } from '../../common/src/messaging/kafkajs-idle-timer.ts';
import { parseBrokers } from './config.ts';

// Every kafkajs client of this process (kafkajs-idle-timer.ts): no 1 ms wake-ups, no TimeoutNegativeWarning.
fixKafkajsIdleTimer();

// kafkajs warns about its default partitioner change on every producer; nothing here depends on it.
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

/**
 * True when a Kafka broker answers a metadata request on `brokers` and lists at least one live broker.
 * A broker that is still fenced (catching up on metadata) is not listed, so "up" means it can serve topics.
 */
export async function isKafkaUp(brokers: string | string[] = parseBrokers(), timeoutMs = 2_000): Promise<boolean> {
  const list = typeof brokers === 'string' ? parseBrokers(brokers) : brokers;
  const kafka = new Kafka({
    clientId: 'limitedcart-kafka-probe',
    brokers: list,
    logLevel: logLevel.NOTHING,
    connectionTimeout: Math.min(timeoutMs, 1_000),
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Whether anything accepts TCP connections on host:port. */
export function isPortOpen(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host, port });
    const finish = (open: boolean) => {
      socket.destroy();
      done(open);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

/** Best effort "who listens on this port" for error messages (needs `ss`; empty when unknown). */
export function portOwner(port: number): Promise<string> {
  return new Promise((done) => {
    execFile('ss', ['-Hltnp', `sport = :${port}`], { timeout: 2_000 }, (err, stdout) => {
      if (err) return done('');
      const proc = /users:\(\("([^"]+)",pid=(\d+)/.exec(stdout);
      done(proc ? `${proc[1]} (pid ${proc[2]})` : '');
    });
  });
}
