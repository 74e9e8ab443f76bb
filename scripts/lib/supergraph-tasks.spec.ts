import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { installedCompositionVersion } from './supergraph-config.ts';
import { defaultSupergraphPaths, parseSupergraphArgs, runCompose, runSchemaCheck } from './supergraph-tasks.ts';
import type { SupergraphPaths } from './supergraph-tasks.ts';
import { accountsSdl, catalogSdl } from './supergraph-test-sdl.ts';

// A throwaway repository layout: rover.yaml, two subgraphs, one operations file.
let root: string;
let paths: SupergraphPaths;
const noBase = () => ({ label: 'HEAD~1', sdl: undefined });

function writeRover(subgraphs: string[]): void {
  const lines = [`federation_version: =${installedCompositionVersion()}`, 'subgraphs:'];
  subgraphs.forEach((name, i) => {
    lines.push(`  ${name}:`, `    routing_url: http://127.0.0.1:${4001 + i}/graphql`, `    schema:`);
    lines.push(`      file: ./subgraphs/${name}/src/schema.graphql`);
  });
  writeFileSync(paths.config, lines.join('\n') + '\n');
}

function writeSubgraph(name: string, sdl: string): void {
  mkdirSync(join(root, 'subgraphs', name, 'src'), { recursive: true });
  writeFileSync(join(root, 'subgraphs', name, 'src', 'schema.graphql'), sdl);
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'supergraph-tasks-'));
  paths = defaultSupergraphPaths(root);
  writeSubgraph('accounts', accountsSdl);
  writeSubgraph('catalog', catalogSdl);
  mkdirSync(paths.operationsDir, { recursive: true });
  writeFileSync(join(paths.operationsDir, 'ops.graphql'), 'query Me { me { id email } }\nquery Products { products { id name } }\n');
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('runCompose and runSchemaCheck', () => {
  it('writes the supergraph, byte-identical on a second run, and the check passes', async () => {
    writeRover(['accounts', 'catalog']);
    const first = runCompose(paths);
    expect(first.failures).toEqual([]);
    const written = readFileSync(paths.supergraph, 'utf8');
    const second = runCompose(paths);
    expect(second.log.at(-1)).toMatch(/composed 2 subgraph\(s\) \(accounts, catalog\) → schema\/supergraph\.graphql \(unchanged\)/);
    expect(readFileSync(paths.supergraph, 'utf8')).toBe(written);

    const report = await runSchemaCheck(paths, { readBase: noBase });
    expect(report.failures).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.validated).toEqual(['Me', 'Products']);
    expect(report.log).toContain('no previous version of schema/supergraph.graphql at HEAD~1: no change report');
    expect(report.log.at(-1)).toBe(
      'summary: composed 2 subgraph(s) (accounts, catalog), 2 operation(s) validated, 0 pending (not yet served), 0 breaking change(s)',
    );
  });

  it('fails when the committed supergraph is stale and reports breaking changes against the base', async () => {
    writeRover(['accounts', 'catalog']);
    runCompose(paths);
    const committed = readFileSync(paths.supergraph, 'utf8');
    writeSubgraph('accounts', accountsSdl.replace('  email: String!\n', ''));
    try {
      const report = await runSchemaCheck(paths, { readBase: () => ({ label: 'HEAD (abc123)', sdl: committed }) });
      expect(report.ok).toBe(false);
      expect(report.failures).toContain(
        'schema/supergraph.graphql differs from a fresh composition of the subgraphs: run npm run compose and commit it',
      );
      expect(report.failures).toContainEqual(expect.stringMatching(/^Me does not validate/));
      expect(report.breaking).toEqual(["Field 'email' was removed from object type 'User'"]);
      expect(report.log).toContain("  BREAKING  Field 'email' was removed from object type 'User'");
    } finally {
      writeSubgraph('accounts', accountsSdl);
    }
  });

  it('excuses operations of missing subgraphs only through not-yet-served.json', async () => {
    writeRover(['accounts']);
    runCompose(paths);
    const without = await runSchemaCheck(paths, { readBase: noBase });
    expect(without.failures).toEqual([expect.stringMatching(/^Products does not validate/)]);

    writeFileSync(paths.notYetServed, JSON.stringify({ operations: { Products: ['catalog'] } }));
    try {
      const pending = await runSchemaCheck(paths, { readBase: noBase });
      expect(pending.ok).toBe(true);
      expect(pending.pending).toEqual(['Products']);
      expect(pending.log).toContain('pending (not yet served): Products [catalog]');

      writeRover(['accounts', 'catalog']);
      runCompose(paths);
      const stale = await runSchemaCheck(paths, { readBase: noBase });
      expect(stale.failures).toEqual(['Products validates now: remove it from schema/operations/not-yet-served.json']);
    } finally {
      rmSync(paths.notYetServed);
    }
  });

  it('fails on composition errors without writing the supergraph', async () => {
    writeRover(['accounts', 'catalog', 'missing']);
    rmSync(paths.supergraph, { force: true });
    const compose = runCompose(paths);
    expect(compose.ok).toBe(false);
    expect(compose.failures).toEqual([expect.stringMatching(/^composition error: \[missing\] schema file not found/)]);
    expect(existsSync(paths.supergraph)).toBe(false);
    const check = await runSchemaCheck(paths, { readBase: noBase });
    expect(check.ok).toBe(false);
    expect(check.failures).toEqual(compose.failures);
  });

  it('fails when rover.yaml pins another federation version', () => {
    writeRover(['accounts']);
    writeFileSync(paths.config, readFileSync(paths.config, 'utf8').replace(/federation_version: .*/, 'federation_version: =2.0.0'));
    expect(runCompose(paths).failures).toEqual([expect.stringMatching(/federation_version is "=2\.0\.0"/)]);
  });
});

describe('parseSupergraphArgs', () => {
  it('defaults to the repository layout and accepts overrides', () => {
    expect(parseSupergraphArgs([], '/repo')).toEqual({ paths: defaultSupergraphPaths('/repo') });
    const args = parseSupergraphArgs(['--config', '/tmp/r.yaml', '--operations', 'ops', '--base', 'main'], '/repo');
    expect(args.baseRev).toBe('main');
    expect(args.paths.config).toBe('/tmp/r.yaml');
    expect(args.paths.operationsDir).toBe(resolve('ops'));
    expect(args.paths.notYetServed).toBe(join(resolve('ops'), 'not-yet-served.json'));
    expect(() => parseSupergraphArgs(['--nope', 'x'], '/repo')).toThrow(/unknown option --nope/);
    expect(() => parseSupergraphArgs(['--base'], '/repo')).toThrow(/--base needs a value/);
  });
});
