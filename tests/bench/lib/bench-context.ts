// What every scenario of `npm run bench` gets: the stack, a client, the prepared data, and the load's settings.
import type { BenchStack } from './bench-stack.ts';
import type { Customer, Gql } from './bench-client.ts';
import type { HiveGateway } from './hive-gateway.ts';

export interface BenchContext {
  stack: BenchStack;
  gql: Gql;
  adminToken: string;
  customers: Customer[];
  /** Other customers, for warming the stack up: none of their tokens is one a measured request sends. */
  warmUpCustomers: Customer[];
  /** The 50+ products of the catalog page (with stock). */
  catalog: string[];
  /** The peer gateway over the same subgraphs, for the read baselines. */
  hive: HiveGateway | null;
  /** Process ids of the services and the peer gateway, where this run started them. */
  pids(): Record<string, number | undefined>;
  /** Unique per run: keys, emails and Redis prefixes made by the benchmark. */
  run: string;
  settings: BenchSettings;
}

export interface BenchSettings {
  customers: number;
  units: number;
  /** Sockets of the drop's load generator (requests in flight). */
  dropConnections: number;
  /** Sockets of the read scenarios, and how long each of their series runs. */
  readConnections: number;
  readDurationMs: number;
  warmupMs: number;
}
