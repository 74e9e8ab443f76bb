import { readFileSync } from 'node:fs';
import { buildSubgraphSchema } from '@apollo/subgraph';
import {
  remoteTokenVerifier,
  startSubgraphServer,
  type Config,
  type Logger,
  type RunningService,
  type TokenVerifier,
} from '@limitedcart/common';
import { openServiceRuntime } from '@limitedcart/common/service-runtime';
import type { MessageBus, OutboxRelay } from '@limitedcart/common/messaging';
import type { MikroORM } from '@mikro-orm/postgresql';
import { parse } from 'graphql';
import { subscribeOrderEvents } from './consumers/order-events.consumer.ts';
import { paymentsEntities } from './entities/index.ts';
import { paymentsMigrations } from './migrations/index.ts';
import { paymentsResolvers } from './resolvers/index.ts';
import { WEBHOOK_PATH, webhookRoute } from './routes/webhook.route.ts';
import { MockPaymentProvider } from './services/mock-payment-provider.ts';
import { MockProviderDispatcher } from './services/mock-provider-dispatcher.ts';
import { OrderProjectionService } from './services/order-projection.service.ts';
import { paymentsTopic } from './services/payment-events.ts';
import { PaymentService } from './services/payment.service.ts';
import { WebhookService } from './services/webhook.service.ts';

export const PAYMENTS_SDL = readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8');

/** Test seams and tuning; production uses the defaults. */
export interface PaymentsStartOptions {
  /** Default: KafkaMessageBus on config.kafkaBrokers. */
  bus?: MessageBus;
  /** Default: the users service's JWKS (config.jwksUrl). */
  verifier?: TokenVerifier;
  /** How long payOrder waits for an order payments has not seen open yet (default 2 s). */
  awaitOrderMs?: number;
  /** The mock provider dispatcher's idle poll (default 100 ms). */
  dispatcherPollMs?: number;
  /** Where the mock provider delivers its webhooks (default this process: http://127.0.0.1:<port>/webhooks/payments). */
  webhookUrl?: string;
}

export interface RunningPayments extends RunningService {
  port: number;
  orm: MikroORM;
  payments: PaymentService;
  projection: OrderProjectionService;
  webhooks: WebhookService;
  dispatcher: MockProviderDispatcher;
  relay: OutboxRelay;
  /** payments.events with TOPIC_PREFIX applied. */
  topic: string;
  webhookUrl: string;
}

/**
 * Migrates the payments database, consumes orders.events (projection and refunds), publishes payments.events (outbox
 * relay), serves the subgraph and the provider webhook, and runs the mock provider's webhook dispatcher.
 * stop(): dispatcher, HTTP, consumers, relay (flushing), Redis, the pool.
 */
export async function startPayments(config: Config, logger: Logger, options: PaymentsStartOptions = {}): Promise<RunningPayments> {
  const runtime = await openServiceRuntime({ name: 'payments', config, logger, entities: paymentsEntities, migrations: paymentsMigrations, ...(options.bus ? { bus: options.bus } : {}) });
  const { orm, bus, relay } = runtime;
  const topic = paymentsTopic(config.topicPrefix);
  const provider = new MockPaymentProvider({ delayMs: config.paymentProviderDelayMs });
  const payments = new PaymentService({
    orm,
    provider,
    logger,
    topic,
    fingerprintSecret: config.paymentWebhookSecret,
    ...(options.awaitOrderMs !== undefined ? { awaitOrderMs: options.awaitOrderMs } : {}),
  });
  const projection = new OrderProjectionService({ orm, payments, logger });
  const webhooks = new WebhookService({ orm, payments, logger, topic });
  const dispatcher = new MockProviderDispatcher({
    orm,
    logger,
    secret: config.paymentWebhookSecret,
    ...(options.dispatcherPollMs !== undefined ? { pollIntervalMs: options.dispatcherPollMs } : {}),
  });
  try {
    await subscribeOrderEvents(bus, config.topicPrefix, projection);
    await runtime.startMessaging();
    const schema = buildSubgraphSchema([{ typeDefs: parse(PAYMENTS_SDL), resolvers: paymentsResolvers(payments) }]);
    const server = await startSubgraphServer({
      name: 'payments',
      config,
      logger,
      schema,
      verifier: options.verifier ?? remoteTokenVerifier(config.jwksUrl),
      port: config.ports.payments,
      readiness: runtime.readiness,
      routes: [webhookRoute({ secret: config.paymentWebhookSecret, webhooks, logger })],
    });
    // The provider calls back this very process (the webhook must be reachable to settle anything).
    const webhookUrl = options.webhookUrl ?? `http://127.0.0.1:${server.port}${WEBHOOK_PATH}`;
    dispatcher.start(webhookUrl);
    return {
      url: server.url,
      port: server.port,
      orm,
      payments,
      projection,
      webhooks,
      dispatcher,
      relay,
      topic,
      webhookUrl,
      async stop() {
        await dispatcher.stop();
        await server.stop();
        // The relay flushes while the bus can still publish (runtime.close stops the relay before the bus).
        await runtime.close();
      },
    };
  } catch (error) {
    await dispatcher.stop().catch(() => undefined);
    await runtime.close();
    throw error;
  }
}
