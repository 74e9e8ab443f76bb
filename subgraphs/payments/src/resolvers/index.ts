import type { GraphQLResolverMap } from '@apollo/subgraph';
import { DateTimeScalar, perRequestLoader, type RequestContext } from '@limitedcart/common';
import type { PaymentService } from '../services/payment.service.ts';
import { mutationResolvers } from './mutation.resolver.ts';
import { orderResolvers } from './order.resolver.ts';
import { paymentResolvers } from './payment.resolver.ts';

export function paymentsResolvers(payments: PaymentService): GraphQLResolverMap<RequestContext> {
  const loader = perRequestLoader((ids) => payments.findByOrderIds(ids), 500);
  return {
    DateTime: DateTimeScalar,
    Mutation: mutationResolvers(payments),
    Order: orderResolvers(loader) as GraphQLResolverMap<RequestContext>[string],
    Payment: paymentResolvers as GraphQLResolverMap<RequestContext>[string],
  };
}
