// The Hive Gateway child process for the gateway comparison (started by hive-gateway.ts, never by hand): serves the
// supergraph at HIVE_SUPERGRAPH_PATH on 127.0.0.1:HIVE_PORT/graphql with Hive Gateway's defaults, plus only what a
// fair peer of our Apollo gateway needs (forward Authorization, quiet logs, no landing page). One process, no workers.
import { createServer } from 'node:http';
import { createGatewayRuntime } from '@graphql-hive/gateway';

const supergraphPath = process.env.HIVE_SUPERGRAPH_PATH;
const port = Number(process.env.HIVE_PORT);
if (!supergraphPath || !Number.isInteger(port) || port <= 0) throw new Error('set HIVE_SUPERGRAPH_PATH and HIVE_PORT');

const gateway = createGatewayRuntime({
  // A file path: the runtime reads it once and takes each subgraph's URL from its @join__graph(url:).
  supergraph: supergraphPath,
  graphqlEndpoint: '/graphql',
  logging: 'warn',
  landingPage: false,
  graphiql: false,
  // Our subgraphs verify the JWT themselves, so the client's header must reach every subgraph call, as it does
  // through our gateway (ForwardingDataSource). Hive forwards no client header by default.
  propagateHeaders: {
    fromClientToSubgraphs: ({ request }) => {
      const authorization = request.headers.get('authorization');
      return authorization ? { authorization } : undefined;
    },
  },
});

const server = createServer(gateway);
server.listen(port, '127.0.0.1');

// SIGTERM from stop(): close the listener and the runtime (subgraph connections, schema), then exit.
process.once('SIGTERM', async () => {
  server.closeAllConnections();
  server.close();
  await gateway.dispose();
  process.exit(0);
});
