import type { Logger } from './logger.ts';

export type Role = 'CUSTOMER' | 'ADMIN';

/** Who is calling, as proven by a verified access token. */
export interface AuthUser {
  id: string;
  roles: Role[];
}

/** What every service method takes first: who asks, and the request's correlation id and logger. */
export interface RequestContext {
  correlationId: string;
  user: AuthUser | null;
  /** The raw Authorization header, forwarded when a service calls another through the gateway. */
  authorization: string | undefined;
  logger: Logger;
}

export function isAdmin(user: AuthUser | null): boolean {
  return user?.roles.includes('ADMIN') ?? false;
}
