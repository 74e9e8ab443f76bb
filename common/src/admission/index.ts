// The admission gate: atomic Redis admission of orders (stock tokens + per-customer limits) before the saga.
export * from './admission-gate.ts';
export * from './admission-keys.ts';
export * from './admission-types.ts';
export { ADMISSION_SCRIPTS_VERSION } from './admission-scripts.ts';
export { LuaScript } from './lua-script.ts';
