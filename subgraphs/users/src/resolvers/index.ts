import type { GraphQLResolverMap } from '@apollo/subgraph';
import { DateTimeScalar, perRequestLoader, type RequestContext } from '@limitedcart/common';
import type { AccountService } from '../services/account.service.ts';
import type { TokenService } from '../services/token.service.ts';
import { mutationResolvers } from './mutation.resolver.ts';
import { queryResolvers } from './query.resolver.ts';
import { userResolvers } from './user.resolver.ts';

export function usersResolvers(accounts: AccountService, tokens: TokenService): GraphQLResolverMap<RequestContext> {
  const loader = perRequestLoader((ids) => accounts.findByIds(ids), 500);
  return {
    DateTime: DateTimeScalar,
    Query: queryResolvers(loader),
    Mutation: mutationResolvers(accounts, tokens),
    User: userResolvers(loader) as GraphQLResolverMap<RequestContext>[string],
  };
}
