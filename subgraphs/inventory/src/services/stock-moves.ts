import type { SqlEntityManager } from '@mikro-orm/postgresql';

/** Per-unit change of each figure; `received` never changes on a move between states. */
export interface StockMove {
  available: number;
  reserved: number;
  sold: number;
}

export const MOVES = {
  commit: { available: 0, reserved: -1, sold: 1 },
  release: { available: 1, reserved: -1, sold: 0 },
  returnSold: { available: 1, reserved: 0, sold: -1 },
} as const satisfies Record<string, StockMove>;

export interface ProductQuantity {
  productId: string;
  quantity: number;
}

export const byProductId = (a: ProductQuantity, b: ProductQuantity): number =>
  a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0;

/**
 * Applies `move` × quantity to each product's row, in product-id order (every writer locks stock rows in that order,
 * so no two transactions deadlock). The CHECK constraints turn an impossible move into an error, never a negative.
 */
export async function applyMoves(tx: SqlEntityManager, move: StockMove, lines: readonly ProductQuantity[]): Promise<void> {
  const sorted = [...lines].sort(byProductId);
  for (const { productId, quantity } of sorted) {
    await tx.execute(
      `update stock set available = available + ?, reserved = reserved + ?, sold = sold + ?, updated_at = now()
        where product_id = ?`,
      [move.available * quantity, move.reserved * quantity, move.sold * quantity, productId],
      'run',
    );
  }
}
