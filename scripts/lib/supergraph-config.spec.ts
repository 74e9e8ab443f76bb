import { describe, expect, it } from 'vitest';
import { checkFederationVersion, installedCompositionVersion, parseSupergraphConfig } from './supergraph-config.ts';

describe('parseSupergraphConfig', () => {
  it('reads subgraphs sorted by name with schema files resolved against the config directory', () => {
    const config = parseSupergraphConfig(
      [
        'federation_version: =2.14.4',
        'subgraphs:',
        '  products:',
        '    routing_url: http://127.0.0.1:4002/graphql',
        '    schema: { file: ./subgraphs/products/src/schema.graphql }',
        '  users:',
        '    routing_url: http://127.0.0.1:4001/graphql',
        '    schema:',
        '      file: subgraphs/users/src/schema.graphql',
      ].join('\n'),
      '/repo',
    );
    expect(config).toEqual({
      federationVersion: '=2.14.4',
      subgraphs: [
        { name: 'products', routingUrl: 'http://127.0.0.1:4002/graphql', schemaFile: '/repo/subgraphs/products/src/schema.graphql' },
        { name: 'users', routingUrl: 'http://127.0.0.1:4001/graphql', schemaFile: '/repo/subgraphs/users/src/schema.graphql' },
      ],
    });
  });

  it('rejects subgraphs without a schema file, such as introspection sources', () => {
    const yaml = 'federation_version: =2.14.4\nsubgraphs:\n  users:\n    routing_url: http://x/graphql\n    schema:\n      subgraph_url: http://x/graphql\n';
    expect(() => parseSupergraphConfig(yaml, '/repo')).toThrow(/users needs schema\.file/);
  });

  it('rejects a config without subgraphs or without a routing_url', () => {
    expect(() => parseSupergraphConfig('federation_version: =2.14.4\nsubgraphs: {}\n', '/repo')).toThrow(/at least one subgraph/);
    const noUrl = 'federation_version: =2.14.4\nsubgraphs:\n  users:\n    schema: { file: a.graphql }\n';
    expect(() => parseSupergraphConfig(noUrl, '/repo')).toThrow(/users needs routing_url/);
  });
});

describe('checkFederationVersion', () => {
  it('accepts only the exact installed composition version', () => {
    const installed = installedCompositionVersion();
    expect(installed).toMatch(/^2\.\d+\.\d+/);
    expect(checkFederationVersion(`=${installed}`, installed)).toBeUndefined();
    expect(checkFederationVersion('2', installed)).toContain(`set federation_version: =${installed}`);
    expect(checkFederationVersion('=2.0.0', '2.14.4')).toMatch(/"=2\.0\.0" but @apollo\/composition 2\.14\.4/);
  });
});
