import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SUBGRAPH_MAX_SOCKETS, subgraphClient, type SubgraphClient } from '../src/subgraph-data-source.ts';

/** A subgraph stand-in that answers after `delayMs` and counts the sockets it sees at once. */
async function slowServer(delayMs: number) {
  let open = 0;
  let peak = 0;
  const sockets = new Set<unknown>();
  const server: Server = createServer((_req, res) => {
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{}}'), delayMs);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    open += 1;
    peak = Math.max(peak, open);
    socket.on('close', () => (open -= 1));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    peak: () => peak,
    connections: () => sockets.size,
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}

describe('subgraph client', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it('reuses keep-alive sockets and never opens more than the bound', { timeout: 20_000 }, async () => {
    const server = await slowServer(50);
    const client: SubgraphClient = subgraphClient(server.url);
    cleanups.push(() => client.close(), server.close);
    const requests = Array.from({ length: SUBGRAPH_MAX_SOCKETS * 2 }, () =>
      client.post('{}', { 'content-type': 'application/json' }).then((r) => JSON.parse(r.body) as unknown),
    );
    await Promise.all(requests);
    expect(server.peak()).toBeLessThanOrEqual(SUBGRAPH_MAX_SOCKETS);
    // A second burst rides the pooled sockets instead of opening new ones.
    const before = server.connections();
    await Promise.all(Array.from({ length: 16 }, () => client.post('{}', {})));
    expect(server.connections()).toBe(before);
  });

  it('fails a subgraph call that takes longer than the timeout', { timeout: 10_000 }, async () => {
    const server = await slowServer(2_000);
    const client = subgraphClient(server.url, 200);
    cleanups.push(() => client.close(), server.close);
    const started = Date.now();
    await expect(client.post('{}', {})).rejects.toThrow(/timed out after 200 ms/);
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});
