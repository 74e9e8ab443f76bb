import type { IncomingMessage } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import type { RouteHandler } from './server.ts';
import { sendRequestError } from './server.ts';

/** Serves an ApolloServer on a route of our own http server (no web framework needed). */
export function apolloHandler<TContext extends BaseContext>(
  server: ApolloServer<TContext>,
  context: (req: IncomingMessage) => Promise<TContext>,
): RouteHandler {
  return async (req, res, raw) => {
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    let body: unknown = undefined;
    if (req.method === 'POST' && raw.length > 0) {
      const type = headers.get('content-type') ?? '';
      if (type.includes('json')) {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          return sendRequestError(res, 400, 'BAD_REQUEST', 'Malformed JSON in request body');
        }
      } else {
        body = raw.toString('utf8');
      }
    }
    const url = req.url ?? '/';
    const result = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.includes('?') ? url.slice(url.indexOf('?')) : '', body },
      context: () => context(req),
    });
    for (const [key, value] of result.headers) res.setHeader(key, value);
    res.statusCode = result.status ?? 200;
    if (result.body.kind === 'complete') {
      res.end(result.body.string);
      return;
    }
    for await (const chunk of result.body.asyncIterator) res.write(chunk);
    res.end();
  };
}
