import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SUBGRAPHS } from '../../common/src/config.ts';
import { REPO_ROOT, SUBGRAPH_NODE_FLAGS } from './stack.ts';

describe('how services are started', () => {
  it('docker-compose.yml starts every subgraph with the node flags the local stack uses, and the gateway without them', () => {
    const compose = parse(readFileSync(`${REPO_ROOT}docker-compose.yml`, 'utf8')) as { services: Record<string, { command?: string[] }> };
    for (const name of SUBGRAPHS) {
      expect(compose.services[name]?.command).toEqual(['node', ...SUBGRAPH_NODE_FLAGS, `subgraphs/${name}/src/main.ts`]);
    }
    expect(compose.services.gateway?.command).toEqual(['node', 'gateway/src/main.ts']);
  });
});
