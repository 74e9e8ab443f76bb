import { describe, expect, it } from 'vitest';
import type { Fetcher } from '@apollo/utils.fetcher';
import type { GatewayGraphQLRequest } from '@apollo/server-gateway-interface';
import { gatewayProof } from '@limitedcart/common';
import { ForwardingDataSource } from './subgraph-data-source.ts';

const SECRET = 'a-secret-of-at-least-16';
import type { GatewayContext } from './auth/gateway-context.ts';

function source(reply: (url: string, body: string) => Response) {
  const sent: { url: string; body: string; headers: Record<string, string> }[] = [];
  const fetcher = (async (url: string, init?: { body?: string; headers?: Record<string, string> }) => {
    sent.push({ url, body: String(init?.body), headers: init?.headers ?? {} });
    return reply(url, String(init?.body));
  }) as unknown as Fetcher;
  return { ds: new ForwardingDataSource({ url: 'http://127.0.0.1:1/graphql', fetcher, internalAuthSecret: SECRET }), sent };
}

const request = (): GatewayGraphQLRequest =>
  ({ query: '{ x }', variables: { a: 1 }, http: { method: 'POST', url: 'http://127.0.0.1:1/graphql', headers: new Headers() } }) as unknown as GatewayGraphQLRequest;
const context = { authorization: 'Bearer t', correlationId: 'c-1' } as unknown as GatewayContext;
type Sendable = { sendRequest(r: GatewayGraphQLRequest, c: GatewayContext): Promise<Record<string, unknown>> };

describe('ForwardingDataSource.sendRequest (without a node-fetch Request per call)', () => {
  it('posts the operation as JSON to the subgraph and returns its parsed body with the response', async () => {
    const { ds, sent } = source(() => new Response('{"data":{"x":1}}', { status: 200, headers: { 'content-type': 'application/json' } }));
    const result = await (ds as unknown as Sendable).sendRequest(request(), context);
    expect(result.data).toEqual({ x: 1 });
    expect((result.http as Response).status).toBe(200);
    expect(JSON.parse(sent[0]!.body)).toEqual({ query: '{ x }', variables: { a: 1 } });
  });

  it('turns a non-2xx answer into an error that names the status', async () => {
    const { ds } = source(() => new Response('{"errors":[{"message":"nope"}]}', { status: 503, headers: { 'content-type': 'application/json' } }));
    await expect((ds as unknown as Sendable).sendRequest(request(), context)).rejects.toThrow(/503/);
  });

  it('refuses a body that is not a JSON object', async () => {
    const { ds } = source(() => new Response('[1,2]', { status: 200, headers: { 'content-type': 'application/json' } }));
    await expect((ds as unknown as Sendable).sendRequest(request(), context)).rejects.toThrow(/Expected JSON response body/);
  });
});

describe('ForwardingDataSource.willSendRequest', () => {
  it("forwards the verified caller's Authorization with the gateway's proof, and the correlation id", () => {
    const { ds } = source(() => new Response('{}'));
    const req = request();
    ds.willSendRequest({ request: req, context } as never);
    const headers = req.http!.headers;
    expect(headers.get('authorization')).toBe('Bearer t');
    expect(headers.get('x-gateway-verified')).toBe(gatewayProof(SECRET, 't'));
    expect(headers.get('x-correlation-id')).toBe('c-1');
  });

  it('sends no proof for an anonymous caller', () => {
    const { ds } = source(() => new Response('{}'));
    const req = request();
    ds.willSendRequest({ request: req, context: { correlationId: 'c-2' } } as never);
    expect(req.http!.headers.get('authorization')).toBeNull();
    expect(req.http!.headers.get('x-gateway-verified')).toBeNull();
  });
});
