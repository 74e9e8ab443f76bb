// CLI: node infra/kafka/kafka.ts start|stop|status   (npm run kafka:start | kafka:stop | kafka:status)
import { ensureKafka, isKafkaUp, kafkaPaths, kafkaStatus, parseBrokers, stopKafka } from './broker.ts';

const log = (msg: string) => console.log(msg);

// kafkajs 2.2.4 schedules a negative timeout on every response, which Node 24 reports as a
// TimeoutNegativeWarning (tulios/kafkajs#1751); harmless, so keep it out of this CLI's output.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
  if (type === 'TimeoutNegativeWarning') return;
  (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;

async function main(command: string | undefined): Promise<number> {
  switch (command) {
    case 'start':
      await ensureKafka({ log });
      return 0;
    case 'stop': {
      if (await stopKafka({ log })) return 0;
      const brokers = parseBrokers();
      const foreign = await isKafkaUp(brokers);
      console.log(
        foreign
          ? `kafka: a broker answers on ${brokers.join(',')} but was not started by this tool; left alone`
          : 'kafka: not running',
      );
      return 0;
    }
    case 'status': {
      const s = await kafkaStatus();
      const where = s.brokers.join(',');
      if (s.up) {
        console.log(`kafka: up on ${where} (${s.pid ? `pid ${s.pid}` : 'not started by this tool'})`);
        return 0;
      }
      console.log(
        s.pid
          ? `kafka: down on ${where}, but broker pid ${s.pid} is alive (starting or stuck; see ${kafkaPaths().serverLog})`
          : `kafka: down on ${where}`,
      );
      return 1;
    }
    default:
      console.error('usage: node infra/kafka/kafka.ts start|stop|status');
      return 2;
  }
}

try {
  process.exitCode = await main(process.argv[2]);
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
}
