import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { AuthUser, RequestContext } from '../context.ts';

/** The contract's userErrors codes. */
export const ERROR_CODES = [
  'INVALID_INPUT',
  'EMAIL_TAKEN',
  'INVALID_CREDENTIALS',
  'INVALID_TOKEN',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'OUT_OF_STOCK',
  'LIMIT_EXCEEDED',
  'INVALID_STATE',
  'PAYMENT_DECLINED',
  'IDEMPOTENCY_CONFLICT',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** An expected failure, returned in a payload's `userErrors` (never thrown). */
export interface UserError {
  code: ErrorCode;
  field: string[] | null;
  message: string;
}

export function userError(code: ErrorCode, message: string, field?: string[]): UserError {
  return { code, message, field: field ?? null };
}

/** A payload that carries only userErrors, with every other field null. */
export function failure<K extends string>(errors: UserError | UserError[], ...nullFields: K[]) {
  const payload = { userErrors: Array.isArray(errors) ? errors : [errors] } as { userErrors: UserError[] } & Record<K, null>;
  for (const key of nullFields) (payload as Record<string, unknown>)[key] = null;
  return payload;
}

/** GraphQL errors are for auth, malformed requests and bugs; the code travels in extensions.code. */
export function graphQLError(code: string, message: string, httpStatus?: number): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...(httpStatus ? { http: { status: httpStatus } } : {}) } });
}

export const unauthenticated = (message = 'You must be logged in.') => graphQLError('UNAUTHENTICATED', message);
export const forbidden = (message = 'You are not allowed to do this.') => graphQLError('FORBIDDEN', message);
export const invalidInput = (message: string) => graphQLError('INVALID_INPUT', message);

export function requireUser(ctx: RequestContext): AuthUser {
  if (!ctx.user) throw unauthenticated();
  return ctx.user;
}

export function requireAdmin(ctx: RequestContext): AuthUser {
  const user = requireUser(ctx);
  if (!user.roles.includes('ADMIN')) throw forbidden('This needs the ADMIN role.');
  return user;
}

// Codes whose messages are written for clients; anything else is internal and is hidden in production.
const PUBLIC_CODES = new Set<string>([
  ...ERROR_CODES,
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'SERVICE_UNAVAILABLE',
]);

/** Apollo `formatError`: never a stack trace, and in production no internal message (SQL, paths) either. */
export function formatError(production: boolean) {
  return (formatted: GraphQLFormattedError): GraphQLFormattedError => {
    const code = String(formatted.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
    const { stacktrace: _stack, exception: _exception, ...extensions } = (formatted.extensions ?? {}) as Record<string, unknown>;
    if (production && !PUBLIC_CODES.has(code)) {
      return { message: 'Internal server error', locations: formatted.locations, path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    }
    return { ...formatted, extensions: { ...extensions, code } };
  };
}
