// The two supergraph tasks (`npm run compose`, `npm run schema:check`) as functions: the scripts only
// print their reports, so tests can run the tasks on temporary trees without spawning processes.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import {
  apiSchemaFromSupergraphSdl,
  composeSupergraph,
  loadSubgraphSources,
  staleSupergraphReason,
} from './supergraph-compose.ts';
import type { ComposeOutcome } from './supergraph-compose.ts';
import { checkFederationVersion, installedCompositionVersion, readSupergraphConfig } from './supergraph-config.ts';
import { baseSupergraph, diffApiSchemas } from './supergraph-diff.ts';
import type { BaseSupergraph } from './supergraph-diff.ts';
import { checkOperations, parseNotYetServed, readOperationSources } from './supergraph-operations.ts';
import type { NotYetServed } from './supergraph-operations.ts';

export interface SupergraphPaths {
  /** Repository root: git runs here and messages show paths relative to it. */
  root: string;
  config: string;
  supergraph: string;
  operationsDir: string;
  notYetServed: string;
}

export function defaultSupergraphPaths(root: string): SupergraphPaths {
  return {
    root,
    config: join(root, 'rover.yaml'),
    supergraph: join(root, 'schema/supergraph.graphql'),
    operationsDir: join(root, 'schema/operations'),
    notYetServed: join(root, 'schema/operations/not-yet-served.json'),
  };
}

export interface SupergraphArgs {
  paths: SupergraphPaths;
  /** Git revision to report schema changes against (schema:check only). */
  baseRev?: string;
}

const USAGE =
  'options: --config <rover.yaml> --supergraph <file> --operations <dir> --not-yet-served <file> --base <git rev>';

/** Parses `--name value` overrides of the default paths (relative paths resolve against the current directory). */
export function parseSupergraphArgs(argv: readonly string[], root: string): SupergraphArgs {
  const paths = defaultSupergraphPaths(root);
  const args: SupergraphArgs = { paths };
  let notYetServedGiven = false;
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) throw new Error(`${flag ?? ''} needs a value; ${USAGE}`);
    const path = isAbsolute(value) ? value : resolve(value);
    if (flag === '--config') paths.config = path;
    else if (flag === '--supergraph') paths.supergraph = path;
    else if (flag === '--operations') paths.operationsDir = path;
    else if (flag === '--not-yet-served') {
      paths.notYetServed = path;
      notYetServedGiven = true;
    } else if (flag === '--base') args.baseRev = value;
    else throw new Error(`unknown option ${flag ?? ''}; ${USAGE}`);
  }
  if (!notYetServedGiven) paths.notYetServed = join(paths.operationsDir, 'not-yet-served.json');
  return args;
}

export interface TaskReport {
  ok: boolean;
  /** Progress and information, in order. */
  log: string[];
  /** Why the task failed (empty when ok). */
  failures: string[];
}

function display(paths: SupergraphPaths, path: string): string {
  const rel = relative(paths.root, path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

/** Reads rover.yaml, checks its pinned federation version, loads the SDL files and composes them. */
export function composeFromConfig(paths: SupergraphPaths): ComposeOutcome {
  let config;
  try {
    config = readSupergraphConfig(paths.config);
  } catch (error) {
    return { ok: false, errors: [`${display(paths, paths.config)}: ${error instanceof Error ? error.message : String(error)}`] };
  }
  const versionError = checkFederationVersion(config.federationVersion, installedCompositionVersion());
  const { sources, errors } = loadSubgraphSources(config);
  const allErrors = [...(versionError ? [versionError] : []), ...errors];
  if (allErrors.length > 0) return { ok: false, errors: allErrors };
  return composeSupergraph(sources);
}

/** `npm run compose`: writes the supergraph file unless composition fails. */
export function runCompose(paths: SupergraphPaths): TaskReport {
  const outcome = composeFromConfig(paths);
  if (!outcome.ok) {
    return { ok: false, log: [], failures: outcome.errors.map((e) => `composition error: ${e}`) };
  }
  const log = outcome.hints.map((hint) => `hint: ${hint}`);
  const previous = existsSync(paths.supergraph) ? readFileSync(paths.supergraph, 'utf8') : undefined;
  mkdirSync(dirname(paths.supergraph), { recursive: true });
  writeFileSync(paths.supergraph, outcome.supergraphSdl);
  log.push(
    `composed ${outcome.subgraphs.length} subgraph(s) (${outcome.subgraphs.join(', ')}) → ${display(paths, paths.supergraph)}` +
      (previous === outcome.supergraphSdl ? ' (unchanged)' : ' (updated)'),
  );
  return { ok: true, log, failures: [] };
}

export interface SchemaCheckReport extends TaskReport {
  subgraphs: string[];
  validated: string[];
  pending: string[];
  breaking: string[];
  dangerous: string[];
}

function readNotYetServed(paths: SupergraphPaths): NotYetServed {
  // No file means nothing is excused.
  return existsSync(paths.notYetServed) ? parseNotYetServed(readFileSync(paths.notYetServed, 'utf8')) : new Map();
}

export interface SchemaCheckOptions {
  /** Git revision to report API changes against (default: see baseSupergraph). */
  baseRev?: string;
  /** Where the earlier supergraph comes from; defaults to git. Tests pass their own. */
  readBase?: (freshSdl: string) => BaseSupergraph;
}

/** `npm run schema:check`: composition, freshness of the committed supergraph, client operations, change report. */
export async function runSchemaCheck(paths: SupergraphPaths, options: SchemaCheckOptions = {}): Promise<SchemaCheckReport> {
  const report: SchemaCheckReport = {
    ok: false,
    log: [],
    failures: [],
    subgraphs: [],
    validated: [],
    pending: [],
    breaking: [],
    dangerous: [],
  };
  const outcome = composeFromConfig(paths);
  if (!outcome.ok) {
    report.failures.push(...outcome.errors.map((e) => `composition error: ${e}`));
    report.log.push('composition failed: nothing else was checked');
    return report;
  }
  report.subgraphs = outcome.subgraphs;

  const supergraphFile = display(paths, paths.supergraph);
  const committed = existsSync(paths.supergraph) ? readFileSync(paths.supergraph, 'utf8') : undefined;
  const stale = staleSupergraphReason(committed, outcome.supergraphSdl, supergraphFile);
  if (stale) report.failures.push(stale);

  try {
    const sources = readOperationSources(paths.operationsDir, display(paths, paths.operationsDir));
    if (sources.length === 0) report.log.push(`no operations found in ${display(paths, paths.operationsDir)}`);
    const operations = checkOperations(outcome.apiSchema, sources, readNotYetServed(paths), outcome.subgraphs);
    report.validated = operations.validated;
    report.pending = operations.pending.map((p) => p.name);
    report.failures.push(...operations.failures);
    report.log.push(...operations.warnings.map((w) => `warning: ${w}`));
    if (operations.pending.length > 0) {
      report.log.push(
        `pending (not yet served): ${operations.pending.map((p) => `${p.name} [${p.waitingFor.join(', ')}]`).join(', ')}`,
      );
    }
  } catch (error) {
    report.failures.push(error instanceof Error ? error.message : String(error));
  }

  const readBase =
    options.readBase ??
    // git runs beside the file, so an overridden --supergraph in another repository works too.
    ((fresh: string) => baseSupergraph(dirname(paths.supergraph), basename(paths.supergraph), fresh, options.baseRev));
  const base = readBase(outcome.supergraphSdl);
  if (base.sdl === undefined) {
    report.log.push(`no previous version of ${supergraphFile} at ${base.label}: no change report`);
  } else {
    try {
      const changes = await diffApiSchemas(apiSchemaFromSupergraphSdl(base.sdl), outcome.apiSchema);
      report.breaking = changes.breaking;
      report.dangerous = changes.dangerous;
      report.log.push(
        `API changes against ${supergraphFile} at ${base.label}: ${changes.breaking.length} breaking, ` +
          `${changes.dangerous.length} dangerous, ${changes.safe.length} safe`,
      );
      report.log.push(...changes.breaking.map((c) => `  BREAKING  ${c}`));
      report.log.push(...changes.dangerous.map((c) => `  DANGEROUS ${c}`));
    } catch (error) {
      // Only a report: an unreadable old version must not block the check.
      report.log.push(`could not read ${supergraphFile} at ${base.label}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  report.log.push(
    `summary: composed ${report.subgraphs.length} subgraph(s) (${report.subgraphs.join(', ')}), ` +
      `${report.validated.length} operation(s) validated, ${report.pending.length} pending (not yet served), ` +
      `${report.breaking.length} breaking change(s)`,
  );
  report.ok = report.failures.length === 0;
  return report;
}
