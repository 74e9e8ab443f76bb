import type { ServiceModule } from '@limitedcart/common';
import { startUsers } from './users.app.ts';

export { startUsers, USERS_SDL, type RunningUsers } from './users.app.ts';

/** The users subgraph: accounts, roles, passwords, tokens (access JWTs, refresh sessions) and the JWKS. */
export const usersService: ServiceModule = {
  name: 'users',
  start: startUsers,
};
