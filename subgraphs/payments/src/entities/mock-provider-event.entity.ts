import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** A webhook the mock provider still has to deliver, or has delivered (table from M003). */
export const MockProviderEventEntity = defineEntity({
  name: 'MockProviderEvent',
  tableName: 'mock_provider_event',
  properties: {
    id: p.string().primary(),
    type: p.string(),
    paymentId: p.string().fieldName('payment_id'),
    failureReason: p.string().fieldName('failure_reason').nullable(),
    deliverAt: p.datetime().fieldName('deliver_at'),
    nextAttemptAt: p.datetime().fieldName('next_attempt_at'),
    attempts: p.integer(),
    lastError: p.string().fieldName('last_error').nullable(),
    deliveredAt: p.datetime().fieldName('delivered_at').nullable(),
    createdAt: p.datetime().fieldName('created_at'),
  },
});

export type MockProviderEvent = InferEntity<typeof MockProviderEventEntity>;
