// The shared kit every LimitedCart process uses. It never imports a subgraph.
export * from './config.ts';
export * from './context.ts';
export * from './logger.ts';
export * from './service.ts';
export * from './redis.ts';
export * from './auth/tokens.ts';
export * from './auth/token-verifier.ts';
export * from './graphql/errors.ts';
export * from './graphql/money.ts';
export * from './graphql/connection.ts';
export * from './http/server.ts';
export * from './http/health.ts';
export * from './http/metrics.ts';
export * from './http/apollo-handler.ts';
export * from './http/subgraph-server.ts';
export * from './admission/index.ts';
export * from './graphql/date-time.scalar.ts';
