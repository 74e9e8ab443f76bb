import type { RequestContext } from '@limitedcart/common';
import type { LoginInput, RegisterInput, SetUserRolesInput } from '../services/account-input.ts';
import type { AccountService } from '../services/account.service.ts';
import type { TokenService } from '../services/token.service.ts';

export function mutationResolvers(accounts: AccountService, tokens: TokenService) {
  return {
    register: (_: unknown, args: { input: RegisterInput }, ctx: RequestContext) => accounts.register(ctx, args.input),
    login: (_: unknown, args: { input: LoginInput }, ctx: RequestContext) => accounts.login(ctx, args.input),
    refreshToken: (_: unknown, args: { refreshToken: string }, ctx: RequestContext) => tokens.refresh(ctx, args.refreshToken),
    logout: (_: unknown, args: { refreshToken: string }, ctx: RequestContext) => tokens.logout(ctx, args.refreshToken),
    setUserRoles: (_: unknown, args: { input: SetUserRolesInput }, ctx: RequestContext) => accounts.setUserRoles(ctx, args.input),
  };
}
