import { isAdmin } from '@limitedcart/common';
import type { OrderStatus } from '@limitedcart/common/events/order-events';
import { encodeOrderStatusMessage } from '@limitedcart/common/events/order-status-channel';
import { createRequire } from 'node:module';
import type * as GraphQL from 'graphql';
import type { FormattedExecutionResult } from 'graphql';
import type { GatewayContext } from '../../src/auth/gateway-context.ts';
import type { GatewayExecutor } from '../../src/subscriptions/subscription-source.ts';
import { schemaValidator } from '../../src/subscriptions/subscription-validator.ts';

// The build the gateway's validator uses (subscription-validator.ts): a schema only works with its own build.
const { buildSchema, execute, parse, validate } = createRequire(import.meta.url)('graphql') as typeof GraphQL;

/** The slice of the supergraph's API schema the subscriptions touch (Query.order, Subscription, Order and below). */
export const ORDERS_API_SDL = /* GraphQL */ `
  type Query {
    order(id: ID!): Order
  }
  type Subscription {
    orderUpdated(id: ID!): Order!
    myOrderUpdates: Order!
  }
  type Order {
    id: ID!
    status: String!
    customer: User!
    items: [OrderItem!]!
    payment: Payment
    statusHistory: [OrderStatusChange!]!
  }
  type OrderStatusChange {
    status: String!
  }
  type User {
    id: ID!
    email: String!
  }
  type OrderItem {
    quantity: Int!
    product: Product!
  }
  type Product {
    id: ID!
    name: String!
  }
  type Payment {
    status: String!
  }
`;

export interface FakeOrder {
  id: string;
  customerId: string;
  status: OrderStatus;
  version: number;
}

/** A message as orders publishes it on the status channel. */
export function statusMessage(orderId: string, customerId: string, status: OrderStatus, version: number): string {
  return encodeOrderStatusMessage({ orderId, customerId, status, version, at: new Date().toISOString() });
}

/**
 * Stands in for the gateway's executor over the real subgraphs: runs the rewritten query with graphql-js against
 * ORDERS_API_SDL, with the owner-or-ADMIN rule of `Query.order` (null for anyone else and for unknown ids).
 */
export class FakeOrders {
  readonly schema = buildSchema(ORDERS_API_SDL);
  readonly orders = new Map<string, FakeOrder>();
  /** Every query run, in order (the subscription's version probe included). */
  readonly queries: { query: string; variables: Record<string, unknown> | undefined; userId: string | undefined }[] = [];
  /** Makes every query take this long (to let messages arrive while one runs). */
  delayMs = 0;
  readonly validate = schemaValidator(() => this.schema, [], false);

  /** Sets an order's state and returns the status message orders would publish for it. */
  set(id: string, customerId: string, status: OrderStatus, version: number): string {
    this.orders.set(id, { id, customerId, status, version });
    return statusMessage(id, customerId, status, version);
  }

  readonly execute: GatewayExecutor = async (request, context: GatewayContext) => {
    this.queries.push({ query: request.query, variables: request.variables, userId: context.user?.id });
    if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    const document = parse(request.query);
    const errors = validate(this.schema, document);
    if (errors.length) return { errors: errors.map((e) => ({ ...e.toJSON(), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })) };
    const result = await execute({
      schema: this.schema,
      document,
      variableValues: request.variables ?? {},
      operationName: request.operationName,
      contextValue: context,
      rootValue: {
        order: ({ id }: { id: string }, ctx: GatewayContext) => {
          const order = this.orders.get(id);
          if (!order || !ctx.user || (ctx.user.id !== order.customerId && !isAdmin(ctx.user))) return null;
          return {
            id: order.id,
            status: order.status,
            customer: { id: order.customerId, email: `${order.customerId}@example.com` },
            items: [{ quantity: 1, product: { id: 'p1', name: 'Sneaker' } }],
            payment: order.status === 'CONFIRMED' ? { status: 'SUCCEEDED' } : null,
            // One entry per status version, as orders keeps it (the statuses themselves do not matter here).
            statusHistory: Array.from({ length: order.version }, () => ({ status: order.status })),
          };
        },
      },
    });
    return JSON.parse(JSON.stringify(result)) as FormattedExecutionResult;
  };
}
