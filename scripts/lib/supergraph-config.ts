// Reads rover.yaml (rover's supergraph config format) so `npm run compose` and `rover supergraph compose`
// build the same supergraph from one description of the subgraphs.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

export interface SubgraphConfig {
  name: string;
  routingUrl: string;
  /** Absolute path of the subgraph's SDL file. */
  schemaFile: string;
}

export interface SupergraphConfig {
  /** As written in rover.yaml, e.g. `=2.14.4`. */
  federationVersion: string;
  /** Sorted by name, so the composed output does not depend on the order in the file. */
  subgraphs: SubgraphConfig[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses rover.yaml text; relative `schema.file` paths resolve against `baseDir` (the file's directory, as rover does). */
export function parseSupergraphConfig(yamlText: string, baseDir: string): SupergraphConfig {
  const doc: unknown = parseYaml(yamlText);
  if (!isRecord(doc)) throw new Error('rover config: expected a mapping at the top level');
  const version = doc['federation_version'];
  if (typeof version !== 'string' && typeof version !== 'number') {
    throw new Error('rover config: federation_version is missing');
  }
  const subgraphsNode = doc['subgraphs'];
  if (!isRecord(subgraphsNode) || Object.keys(subgraphsNode).length === 0) {
    throw new Error('rover config: subgraphs must map at least one subgraph name to its config');
  }
  const subgraphs: SubgraphConfig[] = [];
  for (const [name, entry] of Object.entries(subgraphsNode)) {
    if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(name)) throw new Error(`rover config: invalid subgraph name "${name}"`);
    if (!isRecord(entry)) throw new Error(`rover config: subgraph ${name} must be a mapping`);
    const routingUrl = entry['routing_url'];
    if (typeof routingUrl !== 'string' || routingUrl === '') {
      throw new Error(`rover config: subgraph ${name} needs routing_url`);
    }
    const schema = entry['schema'];
    const file = isRecord(schema) ? schema['file'] : undefined;
    // Only file-based SDL: introspection or registry sources would make composition depend on running services.
    if (typeof file !== 'string' || file === '') {
      throw new Error(`rover config: subgraph ${name} needs schema.file (other schema sources are not supported)`);
    }
    subgraphs.push({ name, routingUrl, schemaFile: resolve(baseDir, file) });
  }
  subgraphs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { federationVersion: String(version), subgraphs };
}

export function readSupergraphConfig(configPath: string): SupergraphConfig {
  return parseSupergraphConfig(readFileSync(configPath, 'utf8'), dirname(resolve(configPath)));
}

/** The version of @apollo/composition that `npm run compose` uses. */
export function installedCompositionVersion(): string {
  const require = createRequire(import.meta.url);
  const pkg = require('@apollo/composition/package.json') as { version: string };
  return pkg.version;
}

/**
 * rover.yaml must pin the exact composition version installed here (`=X.Y.Z`), otherwise rover and
 * `npm run compose` could produce different supergraphs. Returns an error message, or undefined when fine.
 */
export function checkFederationVersion(configured: string, installed: string): string | undefined {
  if (configured === `=${installed}`) return undefined;
  return (
    `rover config: federation_version is "${configured}" but @apollo/composition ${installed} is installed; ` +
    `set federation_version: =${installed}`
  );
}
