import type { IncomingHttpHeaders, Server } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { composeServices } from '@apollo/composition';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { apolloHandler, CORRELATION_HEADER, createHttpServer, listen, sendJson, type Logger } from '@limitedcart/common';
import { parse } from 'graphql';

/**
 * A tiny stand-in subgraph, named "users" so the gateway routes it through USERS_URL. Its types are enough for the
 * gateway's tests: an echo of the headers it received, a recursive type for depth limits, and the shape of the
 * contract's Order query (the largest client operation) so that query runs end to end.
 */
export const FAKE_SUBGRAPH_SDL = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

  type Query {
    echo: Echo!
    node: Node
    order(id: ID!): Order
    "Answers after ms milliseconds."
    slow(ms: Int!): Int!
  }

  type Mutation {
    touch(value: Int!): Int!
  }

  type Subscription {
    ticks: Int!
    orderUpdated(id: ID!): Order!
    myOrderUpdates: Order!
  }

  type Echo {
    authorization: String
    correlationId: String
  }

  type Node {
    id: ID!
    child: Node
  }

  type Money {
    amount: String!
    currencyCode: String!
  }

  type User @key(fields: "id") {
    id: ID!
    email: String!
  }

  type Product {
    id: ID!
    name: String!
    inStock: Boolean!
  }

  type OrderItem {
    quantity: Int!
    product: Product!
    unitPrice: Money!
    lineTotal: Money!
  }

  type StatusChange {
    status: String!
    at: String!
    reason: String
  }

  type Payment {
    id: ID!
    status: String!
    amount: Money!
    failureReason: String
  }

  type Order {
    id: ID!
    status: String!
    failureReason: String
    paymentDueAt: String
    createdAt: String!
    updatedAt: String!
    total: Money!
    customer: User!
    items: [OrderItem!]!
    statusHistory: [StatusChange!]!
    payment: Payment
  }
`;

/** The one id `order` answers null for (someone else's or an unknown order). */
export const MISSING_ORDER_ID = 'missing-order';

interface FakeContext {
  headers: IncomingHttpHeaders;
  orderStatuses: Map<string, string>;
}

const usd = (amount: string) => ({ amount, currencyCode: 'USD' });

function node(depth: number): { id: string; child: () => unknown } {
  return { id: `n${depth}`, child: () => node(depth + 1) };
}

const resolvers = {
  Query: {
    echo: (_: unknown, __: unknown, ctx: FakeContext) => ({
      authorization: ctx.headers.authorization ?? null,
      correlationId: ctx.headers[CORRELATION_HEADER] ?? null,
    }),
    node: () => node(0),
    slow: async (_: unknown, args: { ms: number }) => {
      await new Promise((resolve) => setTimeout(resolve, args.ms));
      return args.ms;
    },
    order: (_: unknown, args: { id: string }, ctx: FakeContext) =>
      args.id === MISSING_ORDER_ID
        ? null
        : {
            id: args.id,
            status: ctx.orderStatuses.get(args.id) ?? 'AWAITING_PAYMENT',
            failureReason: null,
            paymentDueAt: '2030-01-01T00:10:00.000Z',
            createdAt: '2030-01-01T00:00:00.000Z',
            updatedAt: '2030-01-01T00:00:01.000Z',
            total: usd('39.98'),
            customer: { id: 'user-1', email: 'buyer@example.com' },
            items: [{ quantity: 2, product: { id: 'p1', name: 'Sneaker', inStock: true }, unitPrice: usd('19.99'), lineTotal: usd('39.98') }],
            statusHistory: [
              { status: 'PENDING', at: '2030-01-01T00:00:00.000Z', reason: null },
              { status: 'AWAITING_PAYMENT', at: '2030-01-01T00:00:01.000Z', reason: null },
            ],
            payment: null,
          },
  },
  Mutation: { touch: (_: unknown, args: { value: number }) => args.value + 1 },
  User: { __resolveReference: (ref: { id: string }) => ({ id: ref.id, email: 'buyer@example.com' }) },
};

export interface FakeSubgraph {
  url: string;
  port: number;
  /** Headers of every GraphQL request the subgraph received, in order. */
  calls: IncomingHttpHeaders[];
  /** What `order(id)` answers as status (default AWAITING_PAYMENT). */
  orderStatuses: Map<string, string>;
  /** What its /health/ready answers. */
  ready: boolean;
  /** Stops listening (the subgraph is down) and drops open connections. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeSubgraph(logger: Logger): Promise<FakeSubgraph> {
  const calls: IncomingHttpHeaders[] = [];
  const orderStatuses = new Map<string, string>();
  const apollo = new ApolloServer<FakeContext>({
    schema: buildSubgraphSchema([{ typeDefs: parse(FAKE_SUBGRAPH_SDL), resolvers }]),
    stopOnTerminationSignals: false,
    logger,
  });
  await apollo.start();
  const handler = apolloHandler(apollo, async (req) => ({ headers: req.headers, orderStatuses }));
  const fake = { ready: true } as FakeSubgraph;
  let server: Server;
  const makeServer = () =>
    createHttpServer({
      logger,
      routes: [
        {
          method: 'POST',
          path: '/graphql',
          handler: (req, res, body) => {
            calls.push(req.headers);
            return handler(req, res, body);
          },
        },
        { method: 'GET', path: '/health/ready', handler: (_req, res) => sendJson(res, fake.ready ? 200 : 503, {}) },
      ],
    });
  server = makeServer();
  const port = await listen(server, 0, '127.0.0.1');
  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}/graphql`,
    port,
    calls,
    orderStatuses,
    down: stopListening,
    async up() {
      server = makeServer();
      await listen(server, port, '127.0.0.1');
    },
    async close() {
      await stopListening();
      await apollo.stop();
    },
  });
}

/** Composes one subgraph into a supergraph, as `npm run compose` does for the real ones. */
export function composeSupergraph(name: string, sdl: string, url: string): string {
  const result = composeServices([{ name, typeDefs: parse(sdl), url }]);
  if (result.errors) throw new Error(`composition failed: ${result.errors.map((e) => e.message).join('; ')}`);
  return result.supergraphSdl;
}
