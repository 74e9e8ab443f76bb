import { ADMISSION_SCRIPTS_VERSION } from './admission-scripts.ts';

/**
 * The gate's Redis key layout. The layout version is the scripts' version: a script change that bumps the
 * version moves every key under a new prefix, so old and new scripts never read each other's data
 * (the new keys start empty and are rebuilt from PostgreSQL).
 */
export class AdmissionKeys {
  readonly prefix: string;

  /** `basePrefix` is the deployment's Redis prefix (Config.redisPrefix, e.g. `lc:`). */
  constructor(basePrefix: string) {
    this.prefix = `${basePrefix}gate:${ADMISSION_SCRIPTS_VERSION}:`;
  }

  /** Tokens left for admission (string integer). Absent = unknown product. */
  stock(productId: string): string {
    return `${this.prefix}stock:${productId}`;
  }

  /** Units admitted but not yet held by inventory (settled), summed over that product's order records. */
  pending(productId: string): string {
    return `${this.prefix}pending:${productId}`;
  }

  /** Units the customer holds in live (admitted, not released) orders of this product. */
  taken(productId: string, customerId: string): string {
    return `${this.prefix}taken:${productId}:${customerId}`;
  }

  /** Hash: `c` customer id, `s` state (`pending` | `settled`), `l:<productId>` quantity per line. */
  order(orderId: string): string {
    return `${this.prefix}order:${orderId}`;
  }

  /** Hash productId → units ever settled (monotonic): the fence that makes reconcile safe against settles in flight. */
  settles(): string {
    return `${this.prefix}settles`;
  }

  /** Present once the order records have been restored (or the gate started fresh); absent after data loss. */
  ready(): string {
    return `${this.prefix}ready`;
  }
}
