import { describe, expect, it } from 'vitest';
import { failure, formatError, requireAdmin, requireUser, userError } from './errors.ts';
import type { RequestContext } from '../context.ts';
import { createLogger } from '../logger.ts';

const ctx = (user: RequestContext['user']): RequestContext => ({ correlationId: 'c', user, authorization: undefined, logger: createLogger('t', 'silent') });

describe('errors', () => {
  it('builds userErrors and failure payloads', () => {
    expect(userError('NOT_FOUND', 'No such product.', ['input', 'productId'])).toEqual({ code: 'NOT_FOUND', message: 'No such product.', field: ['input', 'productId'] });
    expect(failure(userError('INVALID_INPUT', 'x'), 'order')).toEqual({ userErrors: [{ code: 'INVALID_INPUT', message: 'x', field: null }], order: null });
  });

  it('guards logins and roles with typed GraphQL errors', () => {
    expect(() => requireUser(ctx(null))).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) }));
    expect(() => requireAdmin(ctx({ id: 'u', roles: ['CUSTOMER'] }))).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN' }) }));
    expect(requireAdmin(ctx({ id: 'u', roles: ['ADMIN'] })).id).toBe('u');
  });

  it('hides internals in production and never sends stack traces', () => {
    const internal = { message: 'relation "users" does not exist', extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['at x'] } };
    expect(formatError(true)(internal)).toEqual({ message: 'Internal server error', locations: undefined, path: undefined, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    const dev = formatError(false)(internal);
    expect(dev.message).toContain('relation');
    expect(dev.extensions).not.toHaveProperty('stacktrace');
    const known = { message: 'You must be logged in.', extensions: { code: 'UNAUTHENTICATED' } };
    expect(formatError(true)(known)).toEqual(known);
  });
});
