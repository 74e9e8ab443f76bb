import type { Logger, Route } from '@limitedcart/common';
import { sendJson } from '@limitedcart/common';
import { SIGNATURE_HEADER, verifyWebhookSignature } from '../services/webhook-signature.ts';
import { parseProviderEvent, type WebhookService } from '../services/webhook.service.ts';

export const WEBHOOK_PATH = '/webhooks/payments';

export interface WebhookRouteOptions {
  secret: string;
  webhooks: WebhookService;
  logger: Logger;
}

/**
 * `POST /webhooks/payments`: the signature is checked on the raw body before anything is parsed. Bad or missing
 * signature, or a timestamp more than 5 minutes off → 400 and nothing changes; a body that is not a provider event → 400;
 * otherwise 200 (a repeated event id, an unknown payment or a payment in another state change nothing). Only a failure
 * on our side answers 5xx, so the provider retries.
 */
export function webhookRoute(options: WebhookRouteOptions): Route {
  const { secret, webhooks, logger } = options;
  return {
    method: 'POST',
    path: WEBHOOK_PATH,
    handler: async (req, res, body) => {
      const check = verifyWebhookSignature(secret, req.headers[SIGNATURE_HEADER], body);
      if (!check.ok) {
        logger.warn({ reason: check.reason }, 'payment webhook refused: signature');
        return sendJson(res, 400, { error: 'invalid_signature', reason: check.reason });
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        return sendJson(res, 400, { error: 'malformed_json' });
      }
      const event = parseProviderEvent(parsed);
      if (!event) {
        logger.warn('payment webhook refused: not a provider event');
        return sendJson(res, 400, { error: 'malformed_event' });
      }
      const outcome = await webhooks.handle(event);
      sendJson(res, 200, { received: true, outcome: outcome.kind });
    },
  };
}
