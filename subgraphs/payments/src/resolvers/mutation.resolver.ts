import { requireUser, type RequestContext } from '@limitedcart/common';
import type { PaymentService, PayOrderInput, PayOrderResult } from '../services/payment.service.ts';

export function mutationResolvers(payments: PaymentService) {
  return {
    payOrder: (_: unknown, args: { input: PayOrderInput }, ctx: RequestContext): Promise<PayOrderResult> => {
      requireUser(ctx);
      return payments.payOrder(ctx, args.input);
    },
  };
}
