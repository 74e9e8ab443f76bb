import { bearerToken, type Logger, type RequestContext, type TokenVerifier } from '@limitedcart/common';
import { GraphQLError } from 'graphql';

/** What the gateway's operations run with: the common request context (user, raw Authorization, correlation id). */
export type GatewayContext = RequestContext;

/** 401 and UNAUTHENTICATED: thrown from Apollo's context function, so nothing executes and no subgraph is called. */
export function unauthenticatedRequest(message = 'The access token is invalid or expired.'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

/**
 * Verifies the caller's token before anything runs. No header → anonymous (subgraphs decide per field); a header
 * that is malformed, tampered, expired, `alg: none` or signed by a foreign key → UNAUTHENTICATED, never half-trusted.
 */
export async function gatewayContext(
  authorization: string | undefined,
  correlationId: string,
  verifier: TokenVerifier,
  logger: Logger,
): Promise<GatewayContext> {
  let user: RequestContext['user'] = null;
  try {
    const token = bearerToken(authorization);
    if (token) user = await verifier.verify(token);
  } catch {
    throw unauthenticatedRequest();
  }
  return { correlationId, user, authorization: user ? authorization : undefined, logger };
}
