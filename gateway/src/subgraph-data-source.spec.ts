import { describe, expect, it } from 'vitest';
import { gatewayProof } from '@limitedcart/common';
import { ForwardingDataSource, type SubgraphAnswer, type SubgraphClient } from './subgraph-data-source.ts';
import type { GatewayContext } from './auth/gateway-context.ts';

const SECRET = 'a-secret-of-at-least-16';

function source(reply: (body: string) => Partial<SubgraphAnswer>) {
  const sent: { body: string; headers: Record<string, string> }[] = [];
  const client: SubgraphClient = {
    post: async (body, headers) => {
      sent.push({ body, headers });
      return { status: 200, statusText: 'OK', contentType: 'application/json; charset=utf-8', body: '{}', ...reply(body) };
    },
    close: () => undefined,
  };
  return { ds: new ForwardingDataSource({ client, internalAuthSecret: SECRET }), sent };
}

const context = { authorization: 'Bearer t', correlationId: 'c-1' } as unknown as GatewayContext;
const process = (ds: ForwardingDataSource, ctx: unknown = context) =>
  ds.process({ request: { query: '{ x }', variables: { a: 1 }, operationName: 'X' }, context: ctx } as never) as Promise<Record<string, unknown>>;

describe('ForwardingDataSource', () => {
  it('posts the operation as JSON to the subgraph and returns its parsed body', async () => {
    const { ds, sent } = source(() => ({ body: '{"data":{"x":1}}' }));
    const result = await process(ds);
    expect(result.data).toEqual({ x: 1 });
    expect(JSON.parse(sent[0]!.body)).toEqual({ query: '{ x }', variables: { a: 1 }, operationName: 'X' });
  });

  it("forwards the verified caller's Authorization with the gateway's proof, and the correlation id", async () => {
    const { ds, sent } = source(() => ({ body: '{"data":{}}' }));
    await process(ds);
    expect(sent[0]!.headers).toEqual({
      'content-type': 'application/json',
      authorization: 'Bearer t',
      'x-gateway-verified': gatewayProof(SECRET, 't'),
      'x-correlation-id': 'c-1',
    });
  });

  it('sends no Authorization and no proof for an anonymous caller', async () => {
    const { ds, sent } = source(() => ({ body: '{"data":{}}' }));
    await process(ds, { correlationId: 'c-2' });
    expect(sent[0]!.headers).toEqual({ 'content-type': 'application/json', 'x-correlation-id': 'c-2' });
  });

  it('turns a non-2xx answer into an error that names the status (401 typed UNAUTHENTICATED)', async () => {
    await expect(process(source(() => ({ status: 503, statusText: 'Service Unavailable', body: '{"errors":[]}' })).ds)).rejects.toThrow(/503: Service Unavailable/);
    await expect(process(source(() => ({ status: 401, statusText: 'Unauthorized' })).ds)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('refuses a body that is not a JSON object', async () => {
    await expect(process(source(() => ({ body: '[1,2]' })).ds)).rejects.toThrow(/Expected JSON response body/);
    await expect(process(source(() => ({ contentType: 'text/plain', body: 'squatter' })).ds)).rejects.toThrow(/received: squatter/);
  });
});
