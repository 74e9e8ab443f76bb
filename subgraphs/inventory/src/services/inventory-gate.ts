import type { AdmissionGate } from '@limitedcart/common/admission';

/** The part of the admission gate inventory drives (tests may pass a recording fake). */
export type InventoryGate = Pick<AdmissionGate, 'settle' | 'release' | 'setStock' | 'addStock' | 'reconcile' | 'tokens'>;
